using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DenseGen;
using DenseGen.Samples.Mnist;

// Trains a 784→128 (ReLU)→10 network of generated layers on handwritten digits: softmax cross-entropy, Adam,
// mini-batches. Prints a progress bar per epoch, then the test accuracy, a confusion matrix and the time per
// epoch; writes a plot of loss and accuracy and the trained weights (safetensors, loadable by PyTorch).
Options? options = Options.Parse(args, out string? error);
if (options is null)
{
    if (error is { Length: > 0 })
        Console.Error.WriteLine("error: " + error + "\n");
    (error is { Length: > 0 } ? Console.Error : Console.Out).WriteLine(Options.Usage);
    return error is { Length: > 0 } ? 2 : 0;
}

MnistData data;
try
{
    data = options.DataDirectory is null
        ? MnistData.LoadBuiltIn(Path.Combine(AppContext.BaseDirectory, "data"))
        : MnistData.LoadIdx(options.DataDirectory);
}
catch (Exception exception) when (exception is IOException or InvalidDataException)
{
    Console.Error.WriteLine("error: " + exception.Message);
    return 1;
}
Directory.CreateDirectory(options.OutputDirectory);

Console.WriteLine($"data: {data.Description}");
Console.WriteLine($"network: 784→128 (ReLU)→10, softmax cross-entropy, Adam (learning rate {options.LearningRate}), batch {options.BatchSize}, seed {options.Seed}");
Console.WriteLine($"kernels: {KernelDescription()}");
if (typeof(MnistNetwork).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is [DebuggableAttribute { IsJITOptimizerDisabled: true }])
    Console.WriteLine("note: this is a Debug build, in which the JIT does not optimize the layers; run with -c Release for full speed.");
Console.WriteLine();

var network = new MnistNetwork();
network.Initialize(options.Seed);                       // layer i from seed + i, PyTorch's nn.Linear default
var adam = new Adam<float>(network, options.LearningRate);
var epoch = new EpochRunner(network, adam, data.Train, options.BatchSize, options.Seed);
var progress = new ProgressBar(options.Epochs, data.Train.Count);
double[] trainingLoss = new double[options.Epochs], testLoss = new double[options.Epochs], testAccuracy = new double[options.Epochs];
double[] epochSeconds = new double[options.Epochs];
int[,] confusion = new int[0, 0];
var clock = new Stopwatch();
for (int e = 0; e < options.Epochs; e++)
{
    clock.Restart();
    trainingLoss[e] = epoch.Run((done, loss) => progress.Update(e + 1, done, clock.Elapsed.TotalSeconds, loss));
    epochSeconds[e] = clock.Elapsed.TotalSeconds;
    progress.Update(e + 1, data.Train.Count, epochSeconds[e], trainingLoss[e], force: true);
    progress.Clear();
    (double accuracy, double loss, confusion) = Evaluation.Evaluate(network, data.Test);
    testLoss[e] = loss;
    testAccuracy[e] = 100 * accuracy;
    Console.WriteLine(FormattableString.Invariant(
        $"epoch {e + 1,2}/{options.Epochs}  training loss {trainingLoss[e]:F4}  test loss {loss:F4}  test accuracy {100 * accuracy:F2}%  {epochSeconds[e]:F2} s ({data.Train.Count / epochSeconds[e]:N0} samples/s)"));
}

Console.WriteLine();
Console.WriteLine(FormattableString.Invariant($"test accuracy after {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")}: {testAccuracy[^1]:F2}% of {data.Test.Count:N0} held-out digits"));
// The first epoch includes compiling the kernels; the median is the steady state.
double[] sorted = epochSeconds.Order().ToArray();
double median = (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
Console.WriteLine(FormattableString.Invariant($"time per epoch: median {median:F3} s ({data.Train.Count / median:N0} samples/s), first {epochSeconds[0]:F3} s"));
Console.WriteLine();
Console.Write(ConfusionMatrix.Format(confusion));
Console.WriteLine();

string plotPath = Path.GetFullPath(Path.Combine(options.OutputDirectory, "mnist-training.png"));
string weightsPath = Path.GetFullPath(Path.Combine(options.OutputDirectory, "mnist.safetensors"));
TrainingPlot.Save(plotPath, trainingLoss, testLoss, testAccuracy);
network.Save(weightsPath);
Console.WriteLine($"plot:    {plotPath}");
Console.WriteLine($"weights: {weightsPath} (tensors hidden.weight [128, 784], hidden.bias, output.weight [10, 128], output.bias)");

// The saved file loads back into a fresh network, which must classify exactly as the trained one does.
var reloaded = new MnistNetwork();
reloaded.Load(weightsPath);
double reloadedAccuracy = Evaluation.Evaluate(reloaded, data.Test).Accuracy;
Console.WriteLine(FormattableString.Invariant($"reloaded: {100 * reloadedAccuracy:F2}% test accuracy from {Path.GetFileName(weightsPath)}"));
if (reloadedAccuracy != testAccuracy[^1] / 100)
{
    Console.Error.WriteLine("error: the reloaded weights classify differently from the trained network.");
    return 1;
}
return 0;

static string KernelDescription() =>
    System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512"
    : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256"
    : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
