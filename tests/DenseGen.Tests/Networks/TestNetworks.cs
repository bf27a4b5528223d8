namespace DenseGen.Tests.Networks;

// Networks compiled into the test project by the generator, as a user's build compiles them. Sizes are odd so no
// vector width divides them; the three-layer nets mix activations.

[Dense(In = 13, Out = 9, Activation = Activation.ReLU)] public partial class N13x9ReLU;
[Dense(In = 9, Out = 7, Activation = Activation.Tanh)] public partial class N9x7Tanh;
[Dense(In = 7, Out = 3)] public partial class N7x3;

/// <summary>Three trainable class layers: ReLU, tanh, none.</summary>
[Sequential(MaxBatch = 8)]
public partial class ThreeLayerNet
{
    public readonly N13x9ReLU First = new();
    public readonly N9x7Tanh Second = new();
    public readonly N7x3 Third = new();
}

[Dense(In = 5, Out = 4, ElementType = typeof(double), Activation = Activation.LeakyReLU)] public partial class D5x4Leaky;
[Dense(In = 4, Out = 2, ElementType = typeof(double), Activation = Activation.Sigmoid)] public partial class D4x2Sigmoid;

/// <summary>Double layers; the last one has an activation, so the network keeps its output for Backward.</summary>
[Sequential(MaxBatch = 4)]
public partial class DoubleNet
{
    public readonly D5x4Leaky A = new();
    public readonly D4x2Sigmoid B = new();
}

[Dense(In = 6, Out = 4, Activation = Activation.Tanh)] public partial struct S6x4Tanh;
[Dense(In = 4, Out = 2)] public partial struct S4x2;

/// <summary>A struct network of struct layers: one stack-allocatable value.</summary>
[Sequential(MaxBatch = 5)]
public partial struct StructNet
{
    public S6x4Tanh Hidden;
    public S4x2 Output;
}

[Dense(In = 13, Out = 9, Activation = Activation.ReLU, Trainable = false)] public partial class FrozenN13x9ReLU;
[Dense(In = 9, Out = 7, Activation = Activation.Tanh, Trainable = false)] public partial class FrozenN9x7Tanh;
[Dense(In = 7, Out = 3, Trainable = false)] public partial class FrozenN7x3;

/// <summary>Inference only: every layer frozen.</summary>
[Sequential(MaxBatch = 8)]
public partial class FrozenNet
{
    public readonly FrozenN13x9ReLU First = new();
    public readonly FrozenN9x7Tanh Second = new();
    public readonly FrozenN7x3 Third = new();
}

/// <summary>Fine-tuning: the first layer frozen, the others trained.</summary>
[Sequential(MaxBatch = 8)]
public partial class FineTuneNet
{
    public readonly FrozenN13x9ReLU First = new();
    public readonly N9x7Tanh Second = new();
    public readonly N7x3 Third = new();
}

/// <summary>Named as PyTorch's nn.Sequential(Linear, ReLU, Linear, Tanh, Linear) numbers its modules.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchNamedNet
{
    [TensorName("0")] public readonly N13x9ReLU First = new();
    [TensorName("2")] public readonly N9x7Tanh Second = new();
    [TensorName("4")] public readonly N7x3 Third = new();
}

/// <summary>The same sizes as <see cref="ThreeLayerNet"/> with another activation in the middle: weight files must not cross.</summary>
[Dense(In = 9, Out = 7, Activation = Activation.Sigmoid)] public partial class N9x7Sigmoid;

[Sequential(MaxBatch = 8)]
public partial class OtherActivationNet
{
    public readonly N13x9ReLU First = new();
    public readonly N9x7Sigmoid Second = new();
    public readonly N7x3 Third = new();
}

[Dense(In = 4, Out = 5, ElementType = typeof(double), Activation = Activation.LeakyReLU)] public partial class D4x5Leaky;
[Dense(In = 5, Out = 4, ElementType = typeof(double), Activation = Activation.Tanh)] public partial class D5x4Tanh;
[Dense(In = 4, Out = 3, ElementType = typeof(double), Activation = Activation.Sigmoid)] public partial class D4x3Sigmoid;
[Dense(In = 4, Out = 5, ElementType = typeof(double), Activation = Activation.ReLU)] public partial class D4x5ReLU;
[Dense(In = 5, Out = 4, ElementType = typeof(double), Activation = Activation.Sigmoid)] public partial class D5x4Sigmoid;
[Dense(In = 4, Out = 2, ElementType = typeof(double))] public partial class D4x2;

/// <summary>Three double layers: LeakyReLU, tanh, sigmoid, for finite differences.</summary>
[Sequential(MaxBatch = 4)]
public partial class SmoothNet
{
    public readonly D4x5Leaky A = new();
    public readonly D5x4Tanh B = new();
    public readonly D4x3Sigmoid C = new();
}

/// <summary>Three double layers: ReLU, sigmoid, none, for finite differences.</summary>
[Sequential(MaxBatch = 4)]
public partial class KinkNet
{
    public readonly D4x5ReLU A = new();
    public readonly D5x4Sigmoid B = new();
    public readonly D4x2 C = new();
}

[Dense(In = 4, Out = 5, ElementType = typeof(double), Activation = Activation.ELU)] public partial class D4x5ELU;
[Dense(In = 4, Out = 3, ElementType = typeof(double), Activation = Activation.ELU)] public partial class D4x3ELU;

/// <summary>Three double layers: ELU, tanh, and ELU last (whose output the network keeps for Backward), for finite differences.</summary>
[Sequential(MaxBatch = 4)]
public partial class EluNet
{
    public readonly D4x5ELU A = new();
    public readonly D5x4Tanh B = new();
    public readonly D4x3ELU C = new();
}

[Dense(In = 4, Out = 5, ElementType = typeof(double), Activation = Activation.SiLU)] public partial class D4x5SiLU;
[Dense(In = 4, Out = 3, ElementType = typeof(double), Activation = Activation.SiLU)] public partial class D4x3SiLU;

/// <summary>Three double layers: SiLU, tanh, and SiLU last, for finite differences (ML-Agents' activation).</summary>
[Sequential(MaxBatch = 4)]
public partial class SiLUNet
{
    public readonly D4x5SiLU A = new();
    public readonly D5x4Tanh B = new();
    public readonly D4x3SiLU C = new();
}

/// <summary>One layer without an activation: a network that keeps nothing between calls, so it has no buffers.</summary>
[Sequential(MaxBatch = 3)]
public partial class OneLayerNet
{
    public readonly N7x3 Only = new();
}

[Dense(In = 7, Out = 5, Activation = Activation.Tanh, Bias = false)] public partial class N7x5TanhNoBias;
[Dense(In = 5, Out = 3, Bias = false)] public partial class N5x3NoBias;
[Dense(In = 5, Out = 3)] public partial class N5x3;

/// <summary>Bias-free layers (<c>nn.Linear(bias=False)</c>): their files hold no bias tensor.</summary>
[Sequential(MaxBatch = 4)]
public partial class BiasFreeNet
{
    public readonly N7x5TanhNoBias Hidden = new();
    public readonly N5x3NoBias Output = new();
}

/// <summary>The same sizes with a biased last layer, to give a bias-free network a file with a bias.</summary>
[Sequential(MaxBatch = 4)]
public partial class BiasedTailNet
{
    public readonly N7x5TanhNoBias Hidden = new();
    public readonly N5x3 Output = new();
}
