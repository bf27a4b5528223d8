// A user program of the DenseGen package, built by the PackageConsumer project (the SDK's compiler) and the
// OlderCompiler project (Roslyn 4.14, C# 13, from the Microsoft.Net.Compilers.Toolset package): checks a generated
// layer's forward and input gradient against plain loops in double, a network's baked weights against its file, a
// policy generated from an ONNX file against PyTorch, and a network of sequences baked, stepped and trained. Exit code 0 only if every value is within its bound.
using System;
using Consumers;
using DenseGen;

const int Samples = 3;
var layer = new Layer();
Initializer.Initialize(layer, Initialization.PyTorchDefault, seed: 7);
var random = new SeededRandom(8);
float[] x = new float[Samples * Layer.InputSize], dy = new float[Samples * Layer.OutputSize];
for (int i = 0; i < x.Length; i++) x[i] = (float)(2 * random.NextDouble() - 1);
for (int i = 0; i < dy.Length; i++) dy[i] = (float)(2 * random.NextDouble() - 1);
float[] y = new float[Samples * Layer.OutputSize], dx = new float[Samples * Layer.InputSize];
layer.Forward(x, y);
layer.Backward(x, dy, dx);

int failures = ReferenceChecks.Forward(layer.Weights.ToArray(), layer.Bias.ToArray(), x, y, Layer.InputSize)
    + ReferenceChecks.InputGradient(layer.Weights.ToArray(), dy, dx, Layer.InputSize, Layer.OutputSize);
Console.WriteLine($"{Samples}×{Layer.InputSize}→{Layer.OutputSize}: {(failures == 0 ? "forward and input gradient match the reference" : failures + " values outside the error bound")}");

// Weights baked in through the package's build files must be the file's, as Load reads it at run time.
var baked = new BakedMlp();
var loaded = new BakedMlp();
loaded.Load(System.IO.Path.Combine(AppContext.BaseDirectory, "mlp.safetensors"));
int differing = 0;
ITrainable<float> bakedParameters = baked, loadedParameters = loaded;
for (int t = 0; t < bakedParameters.ParameterTensorCount; t++)
{
    if (!bakedParameters.ParameterTensor(t).SequenceEqual(loadedParameters.ParameterTensor(t)))
        differing++;
}
failures += differing;
Console.WriteLine($"baked weights: {(differing == 0 ? "the same as the file's" : differing + " tensors differ from the file's")}");

// A policy generated whole from an ONNX file by [OnnxModel], against PyTorch (PolicyCheck, shared with the Mono program).
failures += PolicyCheck.Run();

// A network of sequences: baked from a PyTorch module's state dict, stepped, and trained (SequenceCheck).
failures += SequenceCheck.Run();
return failures == 0 ? 0 : 1;

[Dense(In = 37, Out = 11)]
partial class Layer;

[Dense(In = 5, Out = 7, Activation = Activation.ReLU)] partial class Mlp0;
[Dense(In = 7, Out = 4, Activation = Activation.Tanh)] partial class Mlp2;
[Dense(In = 4, Out = 3)] partial class Mlp4;

// PyTorch's nn.Sequential(Linear(5, 7), ReLU(), Linear(7, 4), Tanh(), Linear(4, 3)), from tools/make-torch-fixtures.py.
[Sequential(Weights = "mlp.safetensors")]
partial class BakedMlp
{
    [TensorName("0")] public readonly Mlp0 First = new();
    [TensorName("2")] public readonly Mlp2 Second = new();
    [TensorName("4")] public readonly Mlp4 Third = new();
}
