// Layers compiled as C# 9 for .NET Standard 2.1: class layers only (a struct layer draws DG0015 here). Sizes
// cover rows shorter than one Vector<T> (all scalar), rows with a scalar tail after whole vectors, and exact
// multiples; activations cover the stack-chunked backward (300 outputs: 27 samples per chunk).
using DenseGen;

namespace Portable
{
    [Dense(In = 3, Out = 5)]
    public partial class F3x5 { }

    [Dense(In = 17, Out = 33)]
    public partial class F17x33 { }

    [Dense(In = 64, Out = 32)]
    public partial class F64x32 { }

    [Dense(In = 784, Out = 128)]
    public partial class F784x128 { }

    [Dense(In = 17, Out = 33, ElementType = typeof(double))]
    public partial class D17x33 { }

    [Dense(In = 2, Out = 3, ElementType = typeof(double))]
    public partial class D2x3 { }

    [Dense(In = 31, Out = 7, Activation = Activation.ReLU)]
    public partial class F31x7ReLU { }

    [Dense(In = 130, Out = 15, Activation = Activation.LeakyReLU)]
    public partial class F130x15LeakyReLU { }

    [Dense(In = 23, Out = 9, Activation = Activation.LeakyReLU, NegativeSlope = 0.2)]
    public partial class F23x9LeakyReLU02 { }

    [Dense(In = 48, Out = 12, Activation = Activation.Tanh)]
    public partial class F48x12Tanh { }

    [Dense(In = 9, Out = 300, Activation = Activation.Sigmoid)]
    public partial class F9x300Sigmoid { }

    [Dense(In = 6, Out = 5, ElementType = typeof(double), Activation = Activation.Sigmoid)]
    public partial class D6x5Sigmoid { }

    [Dense(In = 7, Out = 3)]
    public partial class F7x3 { }

    // Bias-free (nn.Linear(bias=False)): no bias term in the portable kernels, with and without an activation.
    [Dense(In = 17, Out = 33, Bias = false)]
    public partial class F17x33NoBias { }

    [Dense(In = 48, Out = 12, Activation = Activation.Tanh, Bias = false)]
    public partial class F48x12TanhNoBias { }

    // ELU: DenseGen's own e^z − 1 in every build, so the .NET Standard builds give the .NET 8 build's bits.
    [Dense(In = 29, Out = 11, Activation = Activation.ELU)]
    public partial class F29x11ELU { }

    [Dense(In = 19, Out = 9, ElementType = typeof(double), Activation = Activation.ELU)]
    public partial class D19x9ELU { }

    // SiLU: its Backward recomputes W x + b with the portable forward kernel.
    [Dense(In = 29, Out = 11, Activation = Activation.SiLU)]
    public partial class F29x11SiLU { }

    // A network in portable output: class layers, buffers in an array, C# 9 syntax.
    [Sequential(MaxBatch = 4)]
    public partial class PortableNet
    {
        public readonly F31x7ReLU Hidden = new F31x7ReLU();
        public readonly F7x3 Output = new F7x3();
    }

    // Standardizing layers: Vector<T> loops with a scalar tail (default), element by element (deterministic, the digest's
    // four layers, whose bits must be the full output's).
    [Standardize(Size = 17, Clip = 2.5)]
    public partial class StdF17Clip { }

    [Standardize(Size = 300, Clip = 1.5)]
    public partial class StdF300Clip { }

    [Standardize(Size = 5, Clip = 3, ElementType = typeof(double))]
    public partial class StdD5Clip { }

    [Standardize(Size = 47, Clip = 5, Deterministic = true)]
    public partial class DetStdF47Clip { }

    [Standardize(Size = 150, Clip = 2, Deterministic = true)]
    public partial class SDetStdF150Clip { }

    [Standardize(Size = 21, ElementType = typeof(double), Deterministic = true)]
    public partial class DetStdD21 { }

    [Standardize(Size = 11, Clip = 1, ElementType = typeof(double), Deterministic = true)]
    public partial class DetStdD11Clip { }

    public partial class Network
    {
        [Dense(In = 41, Out = 10, ElementType = typeof(double), Activation = Activation.Tanh)]
        public partial class D41x10Tanh { }
    }
}
