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

int failures = 0;
double u = Math.Pow(2, -24);
for (int s = 0; s < Samples; s++)
{
    for (int o = 0; o < Layer.OutputSize; o++)
    {
        double sum = layer.Bias[o], magnitude = Math.Abs(layer.Bias[o]);
        for (int i = 0; i < Layer.InputSize; i++)
        {
            double term = (double)layer.Weights[o * Layer.InputSize + i] * x[s * Layer.InputSize + i];
            sum += term;
            magnitude += Math.Abs(term);
        }
        // γ(n)·Σ|terms| with n = In + 1 terms (Higham eq. 3.5), plus a hair for the double reference.
        double n = Layer.InputSize + 1, bound = n * u / (1 - n * u) * magnitude + 1e-12;
        if (!(Math.Abs(y[s * Layer.OutputSize + o] - sum) <= bound))
            failures++;
    }
    for (int i = 0; i < Layer.InputSize; i++)
    {
        double sum = 0, magnitude = 0;
        for (int o = 0; o < Layer.OutputSize; o++)
        {
            double term = (double)dy[s * Layer.OutputSize + o] * layer.Weights[o * Layer.InputSize + i];
            sum += term;
            magnitude += Math.Abs(term);
        }
        double n = Layer.OutputSize, bound = n * u / (1 - n * u) * magnitude + 1e-12;
        if (!(Math.Abs(dx[s * Layer.InputSize + i] - sum) <= bound))
            failures++;
    }
}
Console.WriteLine($"{Samples}×{Layer.InputSize}→{Layer.OutputSize}: {(failures == 0 ? "forward and input gradient match the reference" : failures + " values outside the error bound")}");
return failures == 0 ? 0 : 1;

[Dense(In = 37, Out = 11)]
partial class Layer;
