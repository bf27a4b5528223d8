// Runs on Mono through the package's netstandard2.0 build (see Mono.csproj): a 784→128(ReLU)→10 network of portable
// layers. Checks each layer's forward pass against plain loops in double (ReferenceChecks, shared with the other
// consumers) and the network against its two layers called in order, to the bit, then times one sample's Forward.
// Then trains a small network with the runtime's losses and optimizers (TrainingRun, shared with the Portable
// library) and writes and reads its weight file, and checks a policy generated from its ONNX file by [OnnxModel]
// against PyTorch's decisions (PolicyCheck, shared with the other consumers). Exit code 0 only if every check holds.
using System;
using System.Diagnostics;
using System.IO;
using Consumers;
using DenseGen;

// "--deterministic-digest": the runtime's deterministic mode must give the bits it gives on .NET.
if (args.Length == 1 && args[0] == "--deterministic-digest")
{
    // No switch is set: in the portable output, which has no module initializers, any entry point of a deterministic
    // network or layer turns the mode on (here before anything has read it), so the attributes alone are enough.
    new DeterministicNet().Initialize(seed: 0);
    Console.WriteLine($"deterministic mode on from the attributes alone: {DeterministicMode.IsEnabled}");
    string digest = DeterminismDigest.Compute();
    Console.WriteLine($"deterministic mode: digest {digest}, expected {DeterminismDigest.Expected}");
    return digest == DeterminismDigest.Expected ? 0 : 1;
}

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

// Training: the loss must fall (to under a third of its first value, mean of the first and last eight steps), and the
// saved weights must read back to the bit. The digest of the result's bits lets a reader compare Mono's numbers with
// .NET's (NetStandardRuntimeTests prints the same digest).
const int AdamSteps = 40, SgdSteps = 20;
foreach (bool crossEntropy in new[] { false, true })
{
    float[] run = TrainingRun.Train(AdamSteps, SgdSteps, crossEntropy);
    double firstLosses = 0, lastLosses = 0;
    for (int i = 0; i < 8; i++)
    {
        firstLosses += run[i] / 8;
        lastLosses += run[AdamSteps + SgdSteps - 8 + i] / 8;
    }
    bool learned = lastLosses < firstLosses / 3;
    if (!learned)
        failures++;
    Console.WriteLine($"training ({(crossEntropy ? "cross-entropy" : "mean squared error")}): loss {firstLosses:G4} → {lastLosses:G4} "
        + $"({(learned ? "learned" : "did not learn")}); digest {TrainingRun.Digest(run)}");
}

string file = Path.Combine(Path.GetTempPath(), "densegen-mono-" + Guid.NewGuid().ToString("N") + ".safetensors");
try
{
    TrainingRun.TrainAndSave(AdamSteps, SgdSteps, file);
    float[] trained = TrainingRun.Train(AdamSteps, SgdSteps, crossEntropy: false), loaded = TrainingRun.Load(file);
    int mismatches = 0;
    for (int i = 0; i < loaded.Length; i++)
    {
        if (BitConverter.DoubleToInt64Bits(loaded[i]) != BitConverter.DoubleToInt64Bits(trained[AdamSteps + SgdSteps + i]))
            mismatches++;
    }
    failures += mismatches;
    Console.WriteLine($"weight file: {(mismatches == 0 ? "saved and loaded to the bit" : mismatches + " values differ after loading")}");
}
finally
{
    File.Delete(file);
}

// A policy generated whole from an ONNX file by [OnnxModel], in the portable output, against PyTorch (PolicyCheck,
// shared with PackageConsumer).
failures += PolicyCheck.Run();
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
