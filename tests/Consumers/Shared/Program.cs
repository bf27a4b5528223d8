// A user program of the DenseGen package, built by the PackageConsumer project (the SDK's compiler) and the
// OlderCompiler project (Roslyn 4.14, C# 13, from the Microsoft.Net.Compilers.Toolset package): checks a generated
// layer's forward and input gradient against plain loops in double. Exit code 0 only if every value is within
// the float error bound.
using System;
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
return failures == 0 ? 0 : 1;

[Dense(In = 37, Out = 11)]
partial class Layer;
