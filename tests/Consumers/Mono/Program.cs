// Runs on Mono through the package's netstandard2.0 build (see Mono.csproj): a 784→128(ReLU)→10 network of portable
// layers. Checks each layer's forward pass against plain loops in double (ReferenceChecks, shared with the other
// consumers) and the network against its two layers called in order, to the bit, then times one sample's Forward.
// Exit code 0 only if every value is within its bound.
using System;
using System.Diagnostics;
using DenseGen;

var network = new Mlp();
network.Initialize(seed: 3);
var random = new SeededRandom(4);
float[] x = new float[Mlp.InputSize];
for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();

float[] hidden = new float[Hidden.OutputSize], y = new float[Mlp.OutputSize], networkY = new float[Mlp.OutputSize];
network.Hidden.Forward(x, hidden);
network.Output.Forward(hidden, y);
network.Forward(x, networkY);

int failures = ReferenceChecks.Forward(network.Hidden.Weights.ToArray(), network.Hidden.Bias.ToArray(), x, hidden, Hidden.InputSize, relu: true)
    + ReferenceChecks.Forward(network.Output.Weights.ToArray(), network.Output.Bias.ToArray(), hidden, y, Output.InputSize);
for (int o = 0; o < y.Length; o++)
{
    if (BitConverter.DoubleToInt64Bits(y[o]) != BitConverter.DoubleToInt64Bits(networkY[o]))
        failures++;
}

const int WarmUp = 1_000, Calls = 20_000;
for (int i = 0; i < WarmUp; i++) network.Forward(x, networkY);
var clock = Stopwatch.StartNew();
for (int i = 0; i < Calls; i++) network.Forward(x, networkY);
double microseconds = clock.Elapsed.TotalMilliseconds * 1000 / Calls;

Console.WriteLine($"{Environment.Version} ({(Type.GetType("Mono.Runtime") is null ? "not Mono" : "Mono")}), {(IntPtr.Size * 8)}-bit");
Console.WriteLine($"784→128(ReLU)→10: {(failures == 0 ? "forward matches the reference" : failures + " values outside their bound")}; "
    + $"one sample's Forward {microseconds:F1} µs (mean of {Calls:N0} calls after {WarmUp:N0})");
return failures == 0 ? 0 : 1;

[Dense(In = 784, Out = 128, Activation = Activation.ReLU)]
partial class Hidden;

[Dense(In = 128, Out = 10)]
partial class Output;

[Sequential(MaxBatch = 1)]
partial class Mlp
{
    public readonly Hidden Hidden = new();
    public readonly Output Output = new();
}
