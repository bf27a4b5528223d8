// AmpModel: a real-time audio effect learned by a small recurrent network. A fuzz pedal with a tone knob (Audio.cs)
// is applied to generated audio; an LSTM of 16 cells and a dense head are trained in C# to imitate it, sample by
// sample, with truncated backpropagation through time; then a frozen copy streams audio it has never heard one sample
// at a time, as a plug-in's audio callback would, and the sample reports its error and how many such models one core
// runs in real time. Everything is seeded, so every run learns the same model.
using System;
using System.Diagnostics;
using DenseGen;
using DenseGen.Samples.AmpModel;

const int Streams = AmpNet.MaxBatch;    // excerpts per batch, trained side by side as independent streams
const int Steps = AmpNet.MaxSteps;      // time steps per excerpt that backpropagation goes through
const int WarmUpSteps = 50;             // steps run before those to give the state a history: the effect forgets
                                        // within a few samples (its filter's time constant is 3.8), so 50 is ample
const int Iterations = 2500;            // the run's length, about 2 s on one core; the time limit below only
var trainingTimeLimit = TimeSpan.FromSeconds(60);   // stops a much slower machine, at a worse but printed result
const double LearningRate = 0.01;       // 0.005 and 0.002 learn too, only slower
const double MaxTestEsr = 0.01;

float[] trainingInput = Audio.Generate(seconds: 20, seed: 1);
float[] trainingTarget = Audio.ApplyEffect(trainingInput);
float[] testInput = Audio.Generate(seconds: 5, seed: 2);
float[] testTarget = Audio.ApplyEffect(testInput);

var model = new AmpNet();
model.Initialize(seed: 1);   // PyTorch's defaults: the LSTM's parameters from ±1/√16, the head's from ±1/√16
var adam = new Adam<float>(model, LearningRate);

// Every buffer is allocated once, in PyTorch's batch_first layout: [stream, step, feature].
var warmUpInput = new float[Streams * WarmUpSteps];
var warmUpOutput = new float[Streams * WarmUpSteps];
var input = new float[Streams * Steps];
var target = new float[Streams * Steps];
var prediction = new float[Streams * Steps];
var predictionGradient = new float[Streams * Steps];
var pick = new SeededRandom(3);

Console.WriteLine($"Training an LSTM (1 → {AmpLstm.HiddenSize}) and a dense head ({AmpHead.InputSize} → 1) to imitate tanh drive + one-pole low-pass,");
Console.WriteLine($"on {trainingInput.Length / (double)Audio.SampleRate:F0} s of generated audio: batches of {Streams} excerpts × {Steps} steps after {WarmUpSteps} of warm-up, Adam (learning rate {LearningRate}), mean squared error.");
var clock = Stopwatch.StartNew();
double lossSum = 0, targetEnergySum = 0;
int iteration = 0;
while (iteration < Iterations && clock.Elapsed < trainingTimeLimit)
{
    iteration++;
    for (int s = 0; s < Streams; s++)
    {
        int at = pick.NextInt32(trainingInput.Length - WarmUpSteps - Steps);
        trainingInput.AsSpan(at, WarmUpSteps).CopyTo(warmUpInput.AsSpan(s * WarmUpSteps));
        trainingInput.AsSpan(at + WarmUpSteps, Steps).CopyTo(input.AsSpan(s * Steps));
        trainingTarget.AsSpan(at + WarmUpSteps, Steps).CopyTo(target.AsSpan(s * Steps));
    }

    // Truncated backpropagation through time: each excerpt starts from the zero state and runs its warm-up steps
    // forward only (the next Forward replaces the history they kept, and their outputs are not scored), so that the
    // trained steps start from a state that has heard the audio before them, as it will when it streams.
    model.ResetState();
    model.Forward(warmUpInput, warmUpOutput, WarmUpSteps);
    model.Forward(input, prediction, Steps);   // the head maps each step's 16 hidden values to one output sample
    float loss = Losses.MeanSquaredError<float>(prediction, target, predictionGradient);

    model.ZeroGradients();
    model.Backward(input, predictionGradient, default);   // through the Steps steps; the audio needs no gradient
    adam.Step();

    // The training error as an error-to-signal ratio: the batches' mean squared error over their targets' mean square.
    lossSum += loss;
    foreach (float y in target)
        targetEnergySum += (double)y * y / target.Length;
    if (iteration % 250 == 0)
    {
        Console.WriteLine($"iteration {iteration,5}   training ESR {lossSum / targetEnergySum:F5}   {clock.Elapsed.TotalSeconds,5:F1} s");
        lossSum = targetEnergySum = 0;
    }
}
clock.Stop();
Console.WriteLine($"Trained {iteration} iterations in {clock.Elapsed.TotalSeconds:F1} s{(iteration < Iterations ? " (stopped by the time limit)" : "")}.");

// Deployment: a network of layers declared Trainable = false keeps no history and no gradients, and streams for ever.
// It has the same tensors under the same names (memory.weight_ih_l0, …, head.bias, PyTorch's), so it loads the file
// the trained network saves.
string weightsFile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"amp-model-{Environment.ProcessId}.safetensors");
model.Save(weightsFile);
var deployed = new DeployedNet();
deployed.Load(weightsFile);
System.IO.File.Delete(weightsFile);

// Stream the held-out audio through it one sample at a time, as an audio callback would. Nothing in this loop
// allocates: the spans are on the stack and the layers' state is inside them.
var testOutput = new float[testInput.Length];
Span<float> sample = stackalloc float[1], outputSample = stackalloc float[1];
deployed.ResetState();
var streamClock = new Stopwatch();   // created before the count starts: StartNew would allocate inside it
long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
streamClock.Start();
for (int n = 0; n < testInput.Length; n++)
{
    sample[0] = testInput[n];
    deployed.Step(sample, outputSample);   // the LSTM's step, then the head on its new hidden state
    testOutput[n] = outputSample[0];
}
streamClock.Stop();
long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

double errorEnergy = 0, signalEnergy = 0;
for (int n = 0; n < testInput.Length; n++)
{
    double error = testTarget[n] - testOutput[n];
    errorEnergy += error * error;
    signalEnergy += (double)testTarget[n] * testTarget[n];
}
double esr = errorEnergy / signalEnergy;
double samplesPerSecond = testInput.Length / streamClock.Elapsed.TotalSeconds;

Console.WriteLine();
Console.WriteLine($"Deployed model: {DeployedNet.StorageBytes:N0} bytes (the trained network with its history and gradients: {AmpNet.StorageBytes:N0}).");
Console.WriteLine($"Held-out audio ({testInput.Length / (double)Audio.SampleRate:F0} s, another seed), streamed one sample at a time through the frozen copy:");
Console.WriteLine($"  error-to-signal ratio Σ(y − ŷ)² / Σy² = {esr:F5} ({10 * Math.Log10(esr):F1} dB; the target is at most {MaxTestEsr})");
Console.WriteLine($"  {samplesPerSecond / 1e6:F2} million samples per second, {allocated} bytes allocated: one core runs {samplesPerSecond / Audio.SampleRate:F0} such models at {Audio.SampleRate / 1000} kHz");
Console.WriteLine("  (a rough figure from one pass on this machine, not a benchmark: docs/performance.md times the step with BenchmarkDotNet)");

// A model that learned the effect reaches an ESR near 0.0001 (−40 dB); above 0.01 it did not, and the exit code says
// so to scripts (CI runs this sample). Allocation in the audio loop would be a bug in the generated code.
if (esr > MaxTestEsr)
{
    Console.Error.WriteLine($"The model did not learn the effect: its error-to-signal ratio is above {MaxTestEsr}.");
    Environment.ExitCode = 1;
}
if (allocated != 0)
{
    Console.Error.WriteLine($"The streaming loop allocated {allocated} bytes; it must allocate nothing.");
    Environment.ExitCode = 1;
}

/// <summary>The trained recurrent layer: 16 streams of 150 steps, every step's gates kept for Backward.</summary>
[Lstm(In = 1, Hidden = 16, MaxBatch = 16, MaxSteps = 150)]
partial class AmpLstm;

/// <summary>The head: each step's hidden state to one output sample.</summary>
[Dense(In = 16, Out = 1)]
partial class AmpHead;

/// <summary>The same layer for inference: no history, no gradients, one stream, any length.</summary>
[Lstm(In = 1, Hidden = 16, Trainable = false)]
partial class DeployedLstm;

[Dense(In = 16, Out = 1, Trainable = false)]
partial class DeployedHead;

/// <summary>The trained network: the LSTM, then the head at every time step; its streams and steps are the LSTM's.</summary>
[Sequential]
partial class AmpNet
{
    public readonly AmpLstm Memory = new();
    public readonly AmpHead Head = new();
}

/// <summary>The deployed network: the frozen layers under the same field names, so it loads what AmpNet saves.</summary>
[Sequential]
partial class DeployedNet
{
    public readonly DeployedLstm Memory = new();
    public readonly DeployedHead Head = new();
}
