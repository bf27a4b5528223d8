namespace DenseGen.Tests.Import;

// The networks of tools/make-torch-fixtures.py's models, declared as a user declares them to import those models.

[Dense(In = 5, Out = 7, Activation = Activation.ReLU)] public partial class M5x7ReLU;
[Dense(In = 7, Out = 4, Activation = Activation.Tanh)] public partial class M7x4Tanh;
[Dense(In = 4, Out = 3)] public partial class M4x3;

/// <summary>nn.Sequential(Linear(5, 7), ReLU(), Linear(7, 4), Tanh(), Linear(4, 3)), named as its state_dict() names it.</summary>
[Sequential(MaxBatch = 64)]
public partial class TorchMlp
{
    [TensorName("0")] public readonly M5x7ReLU First = new();
    [TensorName("2")] public readonly M7x4Tanh Second = new();
    [TensorName("4")] public readonly M4x3 Third = new();
}

[Dense(In = 7, Out = 4, Activation = Activation.Sigmoid)] public partial class M7x4Sigmoid;

/// <summary>The same sizes with another middle activation: the model must not load into it.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchMlpOtherActivation
{
    public readonly M5x7ReLU First = new();
    public readonly M7x4Sigmoid Second = new();
    public readonly M4x3 Third = new();
}

[Dense(In = 6, Out = 8, Activation = Activation.LeakyReLU)] public partial class M6x8Leaky;
[Dense(In = 8, Out = 5, Activation = Activation.Sigmoid)] public partial class M8x5Sigmoid;
[Dense(In = 5, Out = 2)] public partial class M5x2;

/// <summary>Flatten, then three MatMul + Add layers with leaky ReLU and sigmoid.</summary>
[Sequential(MaxBatch = 64)]
public partial class TorchMatMulNet
{
    public readonly M6x8Leaky First = new();
    public readonly M8x5Sigmoid Second = new();
    public readonly M5x2 Third = new();
}

[Dense(In = 5, Out = 7, ElementType = typeof(double), Activation = Activation.ReLU)] public partial class D5x7ReLU;
[Dense(In = 7, Out = 4, ElementType = typeof(double), Activation = Activation.Tanh)] public partial class D7x4Tanh;
[Dense(In = 4, Out = 3, ElementType = typeof(double))] public partial class D4x3;

/// <summary>The first model in double: float32 weights load exactly.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchMlpDouble
{
    public readonly D5x7ReLU First = new();
    public readonly D7x4Tanh Second = new();
    public readonly D4x3 Third = new();
}

[Dense(In = 6, Out = 5, Activation = Activation.Tanh, Bias = false)] public partial class M6x5TanhNoBias;
[Dense(In = 5, Out = 3, Bias = false)] public partial class M5x3NoBias;
[Dense(In = 6, Out = 5, Activation = Activation.Tanh)] public partial class M6x5Tanh;
[Dense(In = 5, Out = 3)] public partial class M5x3;

/// <summary>nn.Sequential(Linear(6, 5, bias=False), Tanh(), Linear(5, 3, bias=False)), named as its state_dict() names it.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchBiasFree
{
    [TensorName("0")] public readonly M6x5TanhNoBias First = new();
    [TensorName("2")] public readonly M5x3NoBias Second = new();
}

/// <summary>The same sizes with biases: a model without them loads into it with zero biases.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchBiasFreeSizesBiased
{
    [TensorName("0")] public readonly M6x5Tanh First = new();
    [TensorName("2")] public readonly M5x3 Second = new();
}

[Dense(In = 5, Out = 7, Activation = Activation.ReLU, Bias = false)] public partial class M5x7ReLUNoBias;

/// <summary>The first model's sizes with a bias-free first layer: the model's bias must be refused, not dropped.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchMlpFirstBiasFree
{
    [TensorName("0")] public readonly M5x7ReLUNoBias First = new();
    [TensorName("2")] public readonly M7x4Tanh Second = new();
    [TensorName("4")] public readonly M4x3 Third = new();
}

[Dense(In = 6, Out = 5, Activation = Activation.ELU)] public partial class M6x5ELU;
[Dense(In = 5, Out = 4, Activation = Activation.ELU)] public partial class M5x4ELU;
[Dense(In = 4, Out = 2)] public partial class M4x2;

/// <summary>nn.Sequential(Linear(6, 5), ELU(), Linear(5, 4), ELU(), Linear(4, 2)), named as its state_dict() names it.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchElu
{
    [TensorName("0")] public readonly M6x5ELU First = new();
    [TensorName("2")] public readonly M5x4ELU Second = new();
    [TensorName("4")] public readonly M4x2 Third = new();
}

[Dense(In = 6, Out = 5, Activation = Activation.SiLU)] public partial class M6x5SiLU;
[Dense(In = 5, Out = 4, Activation = Activation.SiLU)] public partial class M5x4SiLU;

/// <summary>nn.Sequential(Linear(6, 5), SiLU(), Linear(5, 4), SiLU(), Linear(4, 2)), named as its state_dict() names it.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchSiLU
{
    [TensorName("0")] public readonly M6x5SiLU First = new();
    [TensorName("2")] public readonly M5x4SiLU Second = new();
    [TensorName("4")] public readonly M4x2 Third = new();
}

[Dense(In = 5, Out = 7, Activation = Activation.LeakyReLU, NegativeSlope = 0.2)] public partial class M5x7LeakyReLU02;
[Dense(In = 5, Out = 7, Activation = Activation.LeakyReLU)] public partial class M5x7LeakyReLU;

/// <summary>nn.Sequential(Linear(5, 7), LeakyReLU(0.2), Linear(7, 4), Tanh(), Linear(4, 3)), named as its state_dict() names it.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchLeaky02
{
    [TensorName("0")] public readonly M5x7LeakyReLU02 First = new();
    [TensorName("2")] public readonly M7x4Tanh Second = new();
    [TensorName("4")] public readonly M4x3 Third = new();
}

/// <summary>The same sizes with leaky ReLU's default slope, 0.01: it must refuse TorchLeaky02's files.</summary>
[Sequential(MaxBatch = 8)]
public partial class TorchLeakyDefault
{
    [TensorName("0")] public readonly M5x7LeakyReLU First = new();
    [TensorName("2")] public readonly M7x4Tanh Second = new();
    [TensorName("4")] public readonly M4x3 Third = new();
}
