// QuickStart: fit y = sin(x) on [-π, π] with a 1 → 32 (tanh) → 1 network of two generated layers,
// trained by plain mini-batch SGD written right here. Everything is seeded, so every run prints the same.
using System;
using System.Diagnostics;
using DenseGen;

const int TrainingPoints = 256;
const int BatchSize = 32;
const int Epochs = 3000;
const float LearningRate = 0.05f;

var random = new Random(12345);
var hidden = new Hidden();
var output = new Output();
InitializeUniform(hidden.Weights, hidden.Bias, Hidden.InputSize, random);
InitializeUniform(output.Weights, output.Bias, Output.InputSize, random);

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
var batchX = new float[BatchSize * Hidden.InputSize];
var batchY = new float[BatchSize * Output.OutputSize];
var hiddenActivation = new float[BatchSize * Hidden.OutputSize];
var prediction = new float[BatchSize * Output.OutputSize];
var predictionGradient = new float[BatchSize * Output.OutputSize];
var hiddenGradient = new float[BatchSize * Hidden.OutputSize];

Console.WriteLine($"Fitting y = sin(x) with {Hidden.InputSize} → {Hidden.OutputSize} (tanh) → {Output.OutputSize}, SGD, learning rate {LearningRate}, batch {BatchSize}.");
var clock = Stopwatch.StartNew();
for (int epoch = 1; epoch <= Epochs; epoch++)
{
    random.Shuffle(order);
    float lossSum = 0;
    for (int start = 0; start < TrainingPoints; start += BatchSize)
    {
        for (int j = 0; j < BatchSize; j++)
        {
            batchX[j] = xs[order[start + j]];
            batchY[j] = ys[order[start + j]];
        }

        // Forward: h = tanh(W1 x + b1), ŷ = W2 h + b2.
        hidden.Forward(batchX, hiddenActivation);
        foreach (ref float h in hiddenActivation.AsSpan())
            h = MathF.Tanh(h);
        output.Forward(hiddenActivation, prediction);

        // Mean squared error over the batch, and its gradient ∂L/∂ŷ = 2 (ŷ − y) / B.
        for (int j = 0; j < BatchSize; j++)
        {
            float error = prediction[j] - batchY[j];
            lossSum += error * error;
            predictionGradient[j] = 2 * error / BatchSize;
        }

        // Backward: the output layer hands back ∂L/∂h; tanh' = 1 − h²; the first layer needs no input gradient.
        hidden.ZeroGradients();
        output.ZeroGradients();
        output.Backward(hiddenActivation, predictionGradient, hiddenGradient);
        for (int j = 0; j < hiddenGradient.Length; j++)
            hiddenGradient[j] *= 1 - hiddenActivation[j] * hiddenActivation[j];
        hidden.Backward(batchX, hiddenGradient, Span<float>.Empty);

        Step(hidden.Weights, hidden.WeightGradients, LearningRate);
        Step(hidden.Bias, hidden.BiasGradients, LearningRate);
        Step(output.Weights, output.WeightGradients, LearningRate);
        Step(output.Bias, output.BiasGradients, LearningRate);
    }

    if (epoch == 1 || epoch % 300 == 0)
        Console.WriteLine($"epoch {epoch,5}   training loss (MSE) {lossSum / TrainingPoints:F6}");
}
clock.Stop();

// Evaluate on 1,000 points between the training points, one batched Forward per layer.
const int TestPoints = 1000;
var testX = new float[TestPoints];
for (int i = 0; i < TestPoints; i++)
    testX[i] = -MathF.PI + 2 * MathF.PI * (i + 0.5f) / TestPoints;
var testHidden = new float[TestPoints * Hidden.OutputSize];
var testPrediction = new float[TestPoints];
hidden.Forward(testX, testHidden);
foreach (ref float h in testHidden.AsSpan())
    h = MathF.Tanh(h);
output.Forward(testHidden, testPrediction);

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
Span<float> oneHidden = stackalloc float[Hidden.OutputSize];
Span<float> oneOutput = stackalloc float[Output.OutputSize];
foreach (float x in (float[])[-3f, -1.5f, 0f, 0.5f, 2f])
{
    hidden.Forward([x], oneHidden);
    foreach (ref float value in oneHidden)
        value = MathF.Tanh(value);
    output.Forward(oneHidden, oneOutput);
    Console.WriteLine($"  sin({x,4:F1}) = {MathF.Sin(x),7:F4}   network: {oneOutput[0],7:F4}");
}

// PyTorch's nn.Linear default: weights and bias uniform in ±1/√fan_in.
static void InitializeUniform(Span<float> weights, Span<float> bias, int fanIn, Random random)
{
    float bound = 1 / MathF.Sqrt(fanIn);
    foreach (ref float w in weights)
        w = (2 * random.NextSingle() - 1) * bound;
    foreach (ref float b in bias)
        b = (2 * random.NextSingle() - 1) * bound;
}

static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
{
    for (int i = 0; i < parameters.Length; i++)
        parameters[i] -= learningRate * gradients[i];
}

/// <summary>The hidden layer: one input, 32 outputs (tanh is applied by the caller).</summary>
[Dense(In = 1, Out = 32)]
partial class Hidden;

/// <summary>The output layer: 32 inputs, one output.</summary>
[Dense(In = 32, Out = 1)]
partial class Output;
