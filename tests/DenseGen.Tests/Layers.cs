using DenseGen;

// Layers compiled into the test assembly by the generator, exactly as a user's build compiles them.
// Names: F = float class, D = double class, SF / SD = float / double struct; then In x Out.
namespace DenseGen.Tests.Layers;

[Dense(In = 1, Out = 1)] public partial class F1x1;
[Dense(In = 1, Out = 100)] public partial class F1x100;
[Dense(In = 100, Out = 1)] public partial class F100x1;
[Dense(In = 3, Out = 5)] public partial class F3x5;
[Dense(In = 17, Out = 33)] public partial class F17x33;
[Dense(In = 31, Out = 7)] public partial class F31x7;
[Dense(In = 64, Out = 32)] public partial class F64x32;
[Dense(In = 784, Out = 128)] public partial class F784x128;

[Dense(In = 1, Out = 1, ElementType = typeof(double))] public partial class D1x1;
[Dense(In = 1, Out = 100, ElementType = typeof(double))] public partial class D1x100;
[Dense(In = 100, Out = 1, ElementType = typeof(double))] public partial class D100x1;
[Dense(In = 3, Out = 5, ElementType = typeof(double))] public partial class D3x5;
[Dense(In = 17, Out = 33, ElementType = typeof(double))] public partial class D17x33;
[Dense(In = 31, Out = 7, ElementType = typeof(double))] public partial class D31x7;
[Dense(In = 64, Out = 32, ElementType = typeof(double))] public partial class D64x32;
[Dense(In = 784, Out = 128, ElementType = typeof(double))] public partial class D784x128;

// Shapes that reach every tile and tail case of the vector kernels (16, 8 and 4 float lanes; half as many
// doubles): rows left over after 4-row tiles (Out mod 4 = 0…3), vector chunks left over after groups of 3
// and 8, a scalar tail after the last full vector (In mod lanes), and rows narrower than a vector.
[Dense(In = 48, Out = 12)] public partial class F48x12;
[Dense(In = 200, Out = 6)] public partial class F200x6;
[Dense(In = 130, Out = 15)] public partial class F130x15;
[Dense(In = 8, Out = 3)] public partial class F8x3;
[Dense(In = 5, Out = 9)] public partial class F5x9;
[Dense(In = 1000, Out = 20)] public partial class F1000x20;
[Dense(In = 20, Out = 12, Unroll = UnrollMode.Full)] public partial class F20x12Full;
[Dense(In = 130, Out = 15, ElementType = typeof(double))] public partial class D130x15;
[Dense(In = 6, Out = 5, ElementType = typeof(double))] public partial class D6x5;
[Dense(In = 41, Out = 10, ElementType = typeof(double), Unroll = UnrollMode.Full)] public partial class D41x10Full;

[Dense(In = 3, Out = 5)] public partial struct SF3x5;
[Dense(In = 17, Out = 33)] public partial struct SF17x33;
[Dense(In = 3, Out = 2, ElementType = typeof(double))] public partial struct SD3x2;
[Dense(In = 6, Out = 5, ElementType = typeof(double))] public partial struct SD6x5;

public static partial class Container
{
    [Dense(In = 4, Out = 3)] public partial class NestedF4x3;
}

// Fused activations: each one on a shape with vector tiles and tails, float and double, class and struct; the
// 130-output layer takes two chunks of the backward's stack buffer at batch 64 (float) and more for double.
[Dense(In = 17, Out = 33, Activation = Activation.ReLU)] public partial class F17x33ReLU;
[Dense(In = 130, Out = 15, Activation = Activation.LeakyReLU)] public partial class F130x15LeakyReLU;
[Dense(In = 37, Out = 21, Activation = Activation.LeakyReLU, NegativeSlope = 0.2)] public partial class F37x21LeakyReLU02;
[Dense(In = 31, Out = 7, Activation = Activation.Sigmoid)] public partial class F31x7Sigmoid;
[Dense(In = 48, Out = 12, Activation = Activation.Tanh)] public partial class F48x12Tanh;
[Dense(In = 784, Out = 128, Activation = Activation.ReLU)] public partial class F784x128ReLU;
[Dense(In = 3, Out = 5, Activation = Activation.Tanh)] public partial struct SF3x5Tanh;
[Dense(In = 9, Out = 300, Activation = Activation.Sigmoid)] public partial class F9x300Sigmoid;
[Dense(In = 3, Out = 5, ElementType = typeof(double), Activation = Activation.ReLU)] public partial class D3x5ReLU;
[Dense(In = 17, Out = 33, ElementType = typeof(double), Activation = Activation.LeakyReLU)] public partial class D17x33LeakyReLU;
[Dense(In = 9, Out = 13, ElementType = typeof(double), Activation = Activation.LeakyReLU, NegativeSlope = 0.3)] public partial class D9x13LeakyReLU03;
[Dense(In = 6, Out = 5, ElementType = typeof(double), Activation = Activation.Sigmoid)] public partial class D6x5Sigmoid;
[Dense(In = 41, Out = 10, ElementType = typeof(double), Activation = Activation.Tanh)] public partial class D41x10Tanh;
[Dense(In = 5, Out = 1100, ElementType = typeof(double), Activation = Activation.Tanh)] public partial class D5x1100Tanh;
[Dense(In = 3, Out = 2, ElementType = typeof(double), Activation = Activation.Sigmoid)] public partial struct SD3x2Sigmoid;

// 3→2 in float, for loading a double file into a float layer.
[Dense(In = 3, Out = 2)] public partial class F3x2;

// The MNIST sample's output layer, for the training-step allocation test.
[Dense(In = 128, Out = 10)] public partial class F128x10;

// Deterministic layers (the same bits on every machine): sizes no vector width divides, a struct, MNIST's size,
// every activation, and double.
[Dense(In = 100, Out = 67, Deterministic = true)] public partial class DetF100x67;
[Dense(In = 33, Out = 10, Deterministic = true)] public partial struct SDetF33x10;
[Dense(In = 784, Out = 128, Deterministic = true)] public partial class DetF784x128;
[Dense(In = 17, Out = 33, ElementType = typeof(double), Deterministic = true)] public partial class DetD17x33;
// Inputs a multiple of 16, fewer outputs than a tile of rows, double without a remainder.
[Dense(In = 32, Out = 3, Deterministic = true)] public partial class DetF32x3;
[Dense(In = 64, Out = 20, ElementType = typeof(double), Deterministic = true)] public partial class DetD64x20;
// The MNIST sample's layers, deterministic, for the training-step allocation test.
[Dense(In = 784, Out = 128, Activation = Activation.ReLU, Deterministic = true)] public partial class DetF784x128ReLU;
[Dense(In = 128, Out = 10, Deterministic = true)] public partial class DetF128x10;
[Dense(In = 100, Out = 67, Activation = Activation.LeakyReLU, Deterministic = true)] public partial class DetF100x67LeakyReLU;
[Dense(In = 20, Out = 11, Activation = Activation.LeakyReLU, NegativeSlope = 0.2, Deterministic = true)] public partial class DetF20x11LeakyReLU02;
[Dense(In = 67, Out = 33, Activation = Activation.Tanh, Deterministic = true)] public partial class DetF67x33Tanh;
[Dense(In = 33, Out = 10, Activation = Activation.Sigmoid, Deterministic = true)] public partial class DetF33x10Sigmoid;
[Dense(In = 17, Out = 33, Activation = Activation.ReLU, Deterministic = true)] public partial class DetF17x33ReLU;
[Dense(In = 41, Out = 10, ElementType = typeof(double), Activation = Activation.Tanh, Deterministic = true)] public partial class DetD41x10Tanh;

// Bias-free layers (Bias = false, nn.Linear(bias=False)): the same shapes' tiles and tails without the bias term, in
// every output the generator writes (vector kernels, a fully unrolled one, a struct, an activation, deterministic).
[Dense(In = 17, Out = 33, Bias = false)] public partial class F17x33NoBias;
[Dense(In = 130, Out = 15, Bias = false)] public partial class F130x15NoBias;
[Dense(In = 20, Out = 12, Unroll = UnrollMode.Full, Bias = false)] public partial class F20x12FullNoBias;
[Dense(In = 3, Out = 5, Bias = false)] public partial struct SF3x5NoBias;
[Dense(In = 41, Out = 10, ElementType = typeof(double), Bias = false)] public partial class D41x10NoBias;
[Dense(In = 48, Out = 12, Activation = Activation.Tanh, Bias = false)] public partial class F48x12TanhNoBias;
[Dense(In = 29, Out = 11, Activation = Activation.ELU)] public partial class F29x11ELU;
[Dense(In = 4, Out = 3, Activation = Activation.ELU)] public partial struct SF4x3ELU;
[Dense(In = 19, Out = 9, ElementType = typeof(double), Activation = Activation.ELU)] public partial class D19x9ELU;
[Dense(In = 37, Out = 21, Activation = Activation.ELU, Deterministic = true)] public partial class DetF37x21ELU;
[Dense(In = 19, Out = 9, ElementType = typeof(double), Activation = Activation.ELU, Deterministic = true)] public partial class DetD19x9ELU;
[Dense(In = 29, Out = 11, Activation = Activation.SiLU)] public partial class F29x11SiLU;
[Dense(In = 9, Out = 300, Activation = Activation.SiLU)] public partial class F9x300SiLU;
[Dense(In = 4, Out = 3, Activation = Activation.SiLU)] public partial struct SF4x3SiLU;
[Dense(In = 17, Out = 33, Activation = Activation.SiLU, Bias = false)] public partial class F17x33SiLUNoBias;
[Dense(In = 19, Out = 9, ElementType = typeof(double), Activation = Activation.SiLU)] public partial class D19x9SiLU;
[Dense(In = 5, Out = 1100, ElementType = typeof(double), Activation = Activation.SiLU)] public partial class D5x1100SiLU;
[Dense(In = 37, Out = 21, Activation = Activation.SiLU, Deterministic = true)] public partial class DetF37x21SiLU;
[Dense(In = 19, Out = 9, ElementType = typeof(double), Activation = Activation.SiLU, Deterministic = true)] public partial class DetD19x9SiLU;
[Dense(In = 17, Out = 33, Activation = Activation.ReLU, Bias = false)] public partial class F17x33ReLUNoBias;
[Dense(In = 6, Out = 5, ElementType = typeof(double), Activation = Activation.Sigmoid, Bias = false)] public partial class D6x5SigmoidNoBias;
[Dense(In = 100, Out = 67, Deterministic = true, Bias = false)] public partial class DetF100x67NoBias;
[Dense(In = 17, Out = 33, ElementType = typeof(double), Deterministic = true, Bias = false)] public partial class DetD17x33NoBias;

// Layers with few inputs, whose batched forward runs along the outputs (AlongOutputsKernel): whole register tiles and a
// remainder of vectors (64 outputs are 4, 8 or 16 vectors), a scalar tail of outputs, the fused ReLU at every float
// and double width, no bias, and rows of whole 64-byte vectors (taken along the outputs only from a larger batch).
[Dense(In = 10, Out = 64)] public partial class F10x64;
[Dense(In = 12, Out = 23, Bias = false)] public partial class F12x23NoBias;
[Dense(In = 15, Out = 40, Activation = Activation.ReLU)] public partial class F15x40ReLU;
[Dense(In = 7, Out = 27, ElementType = typeof(double), Activation = Activation.ReLU)] public partial class D7x27ReLU;
[Dense(In = 2, Out = 19, ElementType = typeof(double), Bias = false)] public partial struct SD2x19NoBias;
[Dense(In = 16, Out = 32)] public partial class F16x32;
[Dense(In = 8, Out = 16, ElementType = typeof(double))] public partial class D8x16;
