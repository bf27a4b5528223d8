// QuickStart: fit y = sin(x) on [-π, π] with a 1 → 32 (tanh) → 1 network declared with [Sequential], trained with
// mean squared error and SGD with momentum from the DenseGen runtime. Everything is seeded, so every run prints
// the same.
using System;
using System.Diagnostics;
using DenseGen;

const int TrainingPoints = 256;
const int BatchSize = 32;
const int Epochs = 3000;
const double LearningRate = 0.05;

var network = new SineNet();
network.Initialize(seed: 1);   // layer i from seed + i
// The optimizer binds to the network once; its state is allocated here, and a step allocates nothing.
var optimizer = new Sgd<float>(network, LearningRate, momentum: 0.5);

// Training data: evenly spaced x, y = sin x.
var xs = new float[TrainingPoints];
var ys = new float[TrainingPoints];
for (int i = 0; i < TrainingPoints; i++)
{
    xs[i] = -MathF.PI + 2 * MathF.PI * i / (TrainingPoints - 1);
    ys[i] = MathF.Sin(xs[i]);
}

// Every buffer is allocated once; a training step allocates nothing.
var order = new int[TrainingPoints];
for (int i = 0; i < order.Length; i++)
    order[i] = i;
var shuffle = new SeededRandom(3);
var batchX = new float[BatchSize * SineNet.InputSize];
var batchY = new float[BatchSize * SineNet.OutputSize];
var prediction = new float[BatchSize * SineNet.OutputSize];
var predictionGradient = new float[BatchSize * SineNet.OutputSize];

Console.WriteLine($"Fitting y = sin(x) with {Hidden.InputSize} → {Hidden.OutputSize} (tanh) → {Output.OutputSize}, SGD (learning rate {LearningRate}, momentum 0.5), batch {BatchSize}.");
var clock = Stopwatch.StartNew();
for (int epoch = 1; epoch <= Epochs; epoch++)
{
    shuffle.Shuffle(order.AsSpan());
    float lossSum = 0;
    for (int start = 0; start < TrainingPoints; start += BatchSize)
    {
        for (int j = 0; j < BatchSize; j++)
        {
            batchX[j] = xs[order[start + j]];
            batchY[j] = ys[order[start + j]];
        }

        // Forward: h = tanh(W1 x + b1), ŷ = W2 h + b2; the network keeps h for Backward.
        network.Forward(batchX, prediction);
        lossSum += Losses.MeanSquaredError<float>(prediction, batchY, predictionGradient) * BatchSize;

        // Backward through both layers and tanh; the input x needs no gradient, so an empty span skips it.
        network.ZeroGradients();
        network.Backward(batchX, predictionGradient, []);
        optimizer.Step();
    }

    if (epoch == 1 || epoch % 300 == 0)
        Console.WriteLine($"epoch {epoch,5}   training loss (MSE) {lossSum / TrainingPoints:F6}");
}
clock.Stop();

// Evaluate on 1,000 points between the training points: one Forward, which runs them MaxBatch at a time.
const int TestPoints = 1000;
var testX = new float[TestPoints];
for (int i = 0; i < TestPoints; i++)
    testX[i] = -MathF.PI + 2 * MathF.PI * (i + 0.5f) / TestPoints;
var testPrediction = new float[TestPoints];
network.Forward(testX, testPrediction);

float largestError = 0, squaredErrorSum = 0;
for (int i = 0; i < TestPoints; i++)
{
    float error = MathF.Abs(testPrediction[i] - MathF.Sin(testX[i]));
    largestError = MathF.Max(largestError, error);
    squaredErrorSum += error * error;
}
Console.WriteLine();
Console.WriteLine($"Trained {Epochs} epochs in {clock.Elapsed.TotalSeconds:F2} s.");
Console.WriteLine($"On {TestPoints} unseen points: mean squared error {squaredErrorSum / TestPoints:F6}, largest |ŷ − sin x| {largestError:F4}.");
// A network that learned sin x reaches a mean squared error near 1e-5; a thousand times that means it did not, and the
// exit code says so to scripts (CI runs this sample, JIT and NativeAOT).
if (squaredErrorSum / TestPoints > 1e-3f)
{
    Console.Error.WriteLine("The network did not learn sin x: its mean squared error is above 0.001.");
    Environment.ExitCode = 1;
}
Span<float> oneOutput = stackalloc float[SineNet.OutputSize];
foreach (float x in (float[])[-3f, -1.5f, 0f, 0.5f, 2f])
{
    network.Forward([x], oneOutput);
    Console.WriteLine($"  sin({x,4:F1}) = {MathF.Sin(x),7:F4}   network: {oneOutput[0],7:F4}");
}

/// <summary>The hidden layer: one input, 32 tanh outputs.</summary>
[Dense(In = 1, Out = 32, Activation = Activation.Tanh)]
partial class Hidden;

/// <summary>The output layer: 32 inputs, one output.</summary>
[Dense(In = 32, Out = 1)]
partial class Output;

/// <summary>The network: its layers are its fields, run in order; the sizes are checked when it compiles.</summary>
[Sequential(MaxBatch = 32)]
partial class SineNet
{
    public readonly Hidden Hidden = new();
    public readonly Output Output = new();
}
