using System;
using System.Diagnostics;
using System.IO;
using DenseGen;
using DenseGen.Samples.Mnist;

// Classifies the built-in held-out digits one at a time with a network whose weights were compiled in from
// mnist.safetensors (the file samples/Mnist writes): no weight file is read, and nothing is allocated per digit.
// Prints the accuracy, the latency per digit and the size of this program's binary. With --expect-accuracy P,
// exits 1 unless the accuracy printed is P (CI compares the NativeAOT build with the JIT build this way).
string? expected = args.Length == 2 && args[0] == "--expect-accuracy" ? args[1] : null;
if (args.Length != 0 && expected is null)
{
    Console.Error.WriteLine("usage: MnistInference [--expect-accuracy PERCENT]");
    return 2;
}

LabeledImages digits = MnistData.LoadBuiltIn(Path.Combine(AppContext.BaseDirectory, "data")).Test;
var classifier = new MnistClassifier();   // starts with the baked weights
float[] scores = new float[MnistClassifier.OutputSize];

int correct = Classify(classifier, digits, scores);   // the first pass also compiles the kernels (under the JIT)
var clock = new Stopwatch();
long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
clock.Start();
const int Passes = 20;
for (int pass = 0; pass < Passes; pass++)
    Classify(classifier, digits, scores);
clock.Stop();
long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

string accuracy = (100.0 * correct / digits.Count).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
double microseconds = clock.Elapsed.TotalMilliseconds * 1000 / (Passes * digits.Count);
long binary = Environment.ProcessPath is { } path && File.Exists(path) ? new FileInfo(path).Length : 0;
Console.WriteLine($"accuracy: {accuracy}% of {digits.Count:N0} held-out digits");
Console.WriteLine($"latency: {microseconds:F2} µs per digit (mean of {Passes * digits.Count:N0})");
Console.WriteLine($"allocated: {allocated} bytes in {Passes * digits.Count:N0} classifications");
Console.WriteLine($"binary: {binary / 1024.0 / 1024.0:F1} MiB ({Path.GetFileName(Environment.ProcessPath)})");
if (allocated != 0)
    return 1;
return expected is null || expected == accuracy ? 0 : 1;

static int Classify(MnistClassifier classifier, LabeledImages digits, float[] scores)
{
    int correct = 0;
    for (int i = 0; i < digits.Count; i++)
    {
        classifier.Forward(digits.Pixels.AsSpan(i * MnistClassifier.InputSize, MnistClassifier.InputSize), scores);
        int best = 0;
        for (int c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best])
                best = c;
        }
        correct += best == digits.Labels[i] ? 1 : 0;
    }
    return correct;
}

/// <summary>784 → 128 (ReLU): frozen, so it keeps no gradients.</summary>
[Dense(In = 784, Out = 128, Activation = Activation.ReLU, Trainable = false)]
public sealed partial class Hidden;

/// <summary>128 → 10 digit scores.</summary>
[Dense(In = 128, Out = 10, Trainable = false)]
public sealed partial class Output;

/// <summary>The network samples/Mnist trains, with the weights it wrote compiled in: checked against these layers at compile time.</summary>
[Sequential(MaxBatch = 1, Weights = "mnist.safetensors")]
public sealed partial class MnistClassifier
{
    public readonly Hidden Hidden = new();
    public readonly Output Output = new();
}
