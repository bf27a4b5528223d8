// The walk-through as a program: what a new user of the DenseGen package does first, each step checked. .ci/run builds
// it against the packed package (the walkthrough step) and runs it in each mode; it exits 0 only if every check passed.
//
//   (no argument)    the README example's flow; the PyTorch fixture model by Load, LoadOnnx (file, stream, bytes) and
//                    baked weights; training saved with its Adam state, reloaded and resumed
//   --library        the Library (built with <DenseGenDeterministic>) first: its module initializer turns the mode on
//   --losses-first   Losses first, then the Library: the mode was read as off, so the Library must refuse to run
//   --app-property   this app built with -p:DenseGenDeterministic=true: the mode is on from the first line
using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DenseGen;
using WalkThrough;

string mode = args.Length == 0 ? "--walk-through" : args[0];
switch (mode)
{
    case "--walk-through": Walk.Run(); break;
    case "--library": Determinism.LibraryFirst(); break;
    case "--losses-first": Determinism.LossesFirst(); break;
    case "--app-property": Determinism.AppProperty(); break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}': --walk-through (default), --library, --losses-first or --app-property");
        return 2;
}
Console.WriteLine(Report.Failures == 0 ? $"{mode}: all {Report.Checks} checks passed" : $"{mode}: {Report.Failures} of {Report.Checks} checks FAILED");
return Report.Failures == 0 ? 0 : 1;

namespace WalkThrough
{
    internal static class Report
    {
        public static int Checks, Failures;

        public static void Check(bool passed, string what)
        {
            Checks++;
            if (!passed)
                Failures++;
            Console.WriteLine((passed ? "  ok: " : "  FAILED: ") + what);
        }

        public static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
            MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

        public static bool SameParameters(ITrainable<float> a, ITrainable<float> b)
        {
            if (a.ParameterTensorCount != b.ParameterTensorCount)
                return false;
            for (int t = 0; t < a.ParameterTensorCount; t++)
            {
                if (!SameBits(a.ParameterTensor(t), b.ParameterTensor(t)))
                    return false;
            }
            return true;
        }
    }

    // ---- The README example, in short: declared, initialized, trained with Adam, saved, loaded into a fresh network.

    [Dense(In = 64, Out = 32, Activation = Activation.ReLU)] public partial class DigitHidden;
    [Dense(In = 32, Out = 10)] public partial class DigitOutput;

    [Sequential(MaxBatch = 16)]
    public partial class DigitNet
    {
        public readonly DigitHidden Hidden = new();
        public readonly DigitOutput Output = new();
    }

    // ---- PyTorch's nn.Sequential(Linear(5, 7), ReLU(), Linear(7, 4), Tanh(), Linear(4, 3)) from
    // tools/make-torch-fixtures.py: its state dict names the layers 0, 2 and 4.

    [Dense(In = 5, Out = 7, Activation = Activation.ReLU)] public partial class TorchHidden;
    [Dense(In = 7, Out = 4, Activation = Activation.Tanh)] public partial class TorchMiddle;
    [Dense(In = 4, Out = 3)] public partial class TorchOutput;

    // The fixture's batch is 5 samples: MaxBatch must hold it for Backward (8 keeps the test independent of the default).
    [Sequential(MaxBatch = 8)]
    public partial class TorchMlp
    {
        [TensorName("0")] public readonly TorchHidden Hidden = new();
        [TensorName("2")] public readonly TorchMiddle Middle = new();
        [TensorName("4")] public readonly TorchOutput Output = new();
    }

    [Sequential(MaxBatch = 8, Weights = "mlp.safetensors")]
    public partial class BakedFromStateDict
    {
        [TensorName("0")] public readonly TorchHidden Hidden = new();
        [TensorName("2")] public readonly TorchMiddle Middle = new();
        [TensorName("4")] public readonly TorchOutput Output = new();
    }

    [Sequential(MaxBatch = 8, Weights = "mlp.opset13.onnx")]
    public partial class BakedFromOnnx
    {
        public readonly TorchHidden Hidden = new();
        public readonly TorchMiddle Middle = new();
        public readonly TorchOutput Output = new();
    }

    // ---- Training that stops, is saved with its optimizer's state, and resumes.

    [Dense(In = 6, Out = 16, Activation = Activation.Tanh)] public partial class ResumeHidden;
    [Dense(In = 16, Out = 3)] public partial class ResumeOutput;

    [Sequential(MaxBatch = 8)]
    public partial class ResumeNet
    {
        public readonly ResumeHidden Hidden = new();
        public readonly ResumeOutput Output = new();
    }

    internal static class Walk
    {
        // PyTorch's outputs and input gradients came from its own kernels, so they agree with DenseGen's to rounding,
        // not to the bit. The dot products here have at most 8 terms (a few float ulps of error each); 2⁻¹⁶ relative to
        // max(1, |value|) is over a hundred ulps, and still far below what a wrong weight, transposition or activation
        // moves an output.
        private const double PyTorchTolerance = 1.0 / 65536;

        public static void Run()
        {
            DirectoryInfo scratch = Directory.CreateTempSubdirectory("densegen-walkthrough-");
            try
            {
                ReadmeFlow(scratch.FullName);
                PyTorchModel();
                TrainSaveResume(scratch.FullName);
            }
            finally
            {
                scratch.Delete(recursive: true);
            }

            // Nothing above asked for deterministic mode: it is on only if this app's runtimeconfig turned it on.
            bool configured = AppContext.GetData(DeterministicMode.SwitchName) is string value && value == "true";
            Console.WriteLine($"deterministic mode: {(DeterministicMode.IsEnabled ? "on" : "off")}, runtimeconfig switch: {(configured ? "true" : "absent")}");
            Report.Check(DeterministicMode.IsEnabled == configured,
                "deterministic mode is on exactly when the app's runtimeconfig sets it: nothing else here turned it on");
        }

        private static void ReadmeFlow(string scratch)
        {
            Console.WriteLine("the README example's flow: declare, Initialize, Adam, train, Save, Load");
            const int Batch = 16;
            var random = new Random(7);
            float[] images = new float[Batch * DigitNet.InputSize];
            int[] labels = new int[Batch];
            for (int i = 0; i < images.Length; i++) images[i] = random.NextSingle();
            for (int s = 0; s < labels.Length; s++) labels[s] = s % 10;

            var network = new DigitNet();
            network.Initialize(seed: 1);
            var adam = new Adam<float>(network, learningRate: 1e-2);
            float[] logits = new float[Batch * DigitNet.OutputSize], logitGradient = new float[Batch * DigitNet.OutputSize];
            float first = 0, loss = 0;
            for (int step = 1; step <= 50; step++)
            {
                network.Forward(images, logits);
                loss = Losses.SoftmaxCrossEntropy<float>(logits, labels, logitGradient);
                if (step == 1) first = loss;
                network.ZeroGradients();
                network.Backward(images, logitGradient, []);
                adam.Step();
            }
            Console.WriteLine($"  loss {first:F4} at step 1, {loss:F4} at step 50");
            Report.Check(loss < first / 4, "50 Adam steps cut the cross-entropy to under a quarter of its first value");

            string path = Path.Combine(scratch, "digits.safetensors");
            network.Save(path);
            var deployed = new DigitNet();
            deployed.Load(path);
            float[] trained = new float[Batch * DigitNet.OutputSize], loaded = new float[Batch * DigitNet.OutputSize];
            network.Forward(images, trained);
            deployed.Forward(images, loaded);
            Report.Check(Report.SameParameters(network, deployed), "the loaded network's parameters are the trained network's, bit for bit");
            Report.Check(Report.SameBits(trained, loaded), "the loaded network's outputs are the trained network's, bit for bit");
        }

        private static void PyTorchModel()
        {
            Console.WriteLine("a PyTorch model (tools/make-torch-fixtures.py) by Load, LoadOnnx and baked weights");
            string directory = AppContext.BaseDirectory;
            string stateDict = Path.Combine(directory, "mlp.safetensors"), onnx = Path.Combine(directory, "mlp.opset13.onnx");
            SafeTensorsFile expected = SafeTensorsFile.Read(Path.Combine(directory, "mlp.expected.safetensors"));
            float[] x = Tensor(expected, "x"), dy = Tensor(expected, "dy"), torchY = Tensor(expected, "y"), torchDx = Tensor(expected, "dx");

            var byLoad = new TorchMlp();
            byLoad.Load(stateDict);
            var byOnnxFile = new TorchMlp();
            byOnnxFile.LoadOnnx(onnx);
            var byOnnxStream = new TorchMlp();
            using (FileStream stream = File.OpenRead(onnx))
                byOnnxStream.LoadOnnx(stream);
            var byOnnxBytes = new TorchMlp();
            byOnnxBytes.LoadOnnx(File.ReadAllBytes(onnx));
            var bakedStateDict = new BakedFromStateDict();
            var bakedOnnx = new BakedFromOnnx();

            (string Name, ITrainableModule<float> Network)[] ways =
            [
                ("Load(mlp.safetensors)", byLoad),
                ("LoadOnnx(path)", byOnnxFile),
                ("LoadOnnx(stream)", byOnnxStream),
                ("LoadOnnx(bytes)", byOnnxBytes),
                ("[Sequential(Weights = \"mlp.safetensors\")]", bakedStateDict),
                ("[Sequential(Weights = \"mlp.opset13.onnx\")]", bakedOnnx),
            ];
            float[] firstY = null!, firstDx = null!;
            foreach ((string name, ITrainableModule<float> network) in ways)
            {
                float[] y = new float[torchY.Length], dx = new float[x.Length];
                network.Forward(x, y);
                network.Backward(x, dy, dx);
                if (firstY is null)
                {
                    (firstY, firstDx) = (y, dx);
                    double yError = MaxError(y, torchY), dxError = MaxError(dx, torchDx);
                    Console.WriteLine($"  {name}: largest difference from PyTorch's output {yError:E2}, input gradient {dxError:E2} (relative to max(1, |value|))");
                    Report.Check(yError <= PyTorchTolerance, $"{name}: the output is PyTorch's recorded one, within 2^-16");
                    Report.Check(dxError <= PyTorchTolerance, $"{name}: the input gradient is PyTorch's recorded one, within 2^-16");
                }
                else
                {
                    // Parameters as well as outputs: a weight behind a ReLU that is off for all five samples moves no output.
                    Report.Check(Report.SameParameters((ITrainable<float>)network, byLoad), $"{name}: every parameter is Load's, bit for bit");
                    Report.Check(Report.SameBits(y, firstY) && Report.SameBits(dx, firstDx),
                        $"{name}: output and input gradient are Load's, bit for bit");
                }
            }
        }

        private static void TrainSaveResume(string scratch)
        {
            Console.WriteLine("training saved with its Adam state, reloaded into a new network and optimizer, and resumed");
            const int Steps = 40, Stop = 17;
            var random = new SeededRandom(21);
            float[] x = new float[32 * ResumeNet.InputSize], targets = new float[32 * ResumeNet.OutputSize];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(2 * random.NextDouble() - 1);
            for (int s = 0; s < 32; s++)
            {
                targets[3 * s] = x[6 * s] * x[6 * s + 1];
                targets[3 * s + 1] = x[6 * s + 2] - x[6 * s + 3];
                targets[3 * s + 2] = MathF.Abs(x[6 * s + 4]) - x[6 * s + 5];
            }

            var straight = new ResumeNet();
            straight.Initialize(seed: 5);
            var straightAdam = new Adam<float>(straight, learningRate: 0.02);
            float[] straightLosses = Train(straight, straightAdam, 0, Steps, x, targets);

            var first = new ResumeNet();
            first.Initialize(seed: 5);
            var firstAdam = new Adam<float>(first, learningRate: 0.02);
            float[] firstLosses = Train(first, firstAdam, 0, Stop, x, targets);
            string weights = Path.Combine(scratch, "resume.safetensors"), state = Path.Combine(scratch, "resume.adam.safetensors");
            first.Save(weights);
            firstAdam.Save(state);

            var resumed = new ResumeNet();
            resumed.Load(weights);
            var resumedAdam = new Adam<float>(resumed, learningRate: 0.02);
            resumedAdam.Load(state);
            Report.Check(resumedAdam.Steps == Stop, $"the reloaded Adam has taken {resumedAdam.Steps} steps ({Stop} saved)");
            float[] resumedLosses = Train(resumed, resumedAdam, Stop, Steps, x, targets);

            Console.WriteLine($"  loss {straightLosses[0]:F4} at step 1, {straightLosses[Steps - 1]:F4} at step {Steps}; stopped and saved after step {Stop}");
            Report.Check(straightLosses[Steps - 1] < straightLosses[0] / 2, "training halved the loss");
            Report.Check(Report.SameBits(firstLosses, straightLosses.AsSpan(0, Stop)), $"the first {Stop} steps are the uninterrupted run's, bit for bit");
            Report.Check(Report.SameBits(resumedLosses, straightLosses.AsSpan(Stop)), $"the resumed steps {Stop + 1}-{Steps} have the uninterrupted run's losses, bit for bit");
            Report.Check(Report.SameParameters(resumed, straight), "the resumed network ends with the uninterrupted run's parameters, bit for bit");

            // The control: resumed from the weights alone, with a fresh Adam, training goes elsewhere; so the comparison
            // above does see the optimizer's state.
            var fresh = new ResumeNet();
            fresh.Load(weights);
            Train(fresh, new Adam<float>(fresh, learningRate: 0.02), Stop, Steps, x, targets);
            Report.Check(!Report.SameParameters(fresh, straight), "resumed with a fresh Adam instead, the parameters differ (the state file matters)");
        }

        private static float[] Train(ResumeNet network, Adam<float> adam, int from, int to, float[] x, float[] targets)
        {
            const int Batch = 8, Samples = 32;
            float[] losses = new float[to - from];
            float[] output = new float[Batch * ResumeNet.OutputSize], gradient = new float[Batch * ResumeNet.OutputSize];
            for (int step = from; step < to; step++)
            {
                int first = step * Batch % Samples;
                ReadOnlySpan<float> input = x.AsSpan(first * ResumeNet.InputSize, Batch * ResumeNet.InputSize);
                network.Forward(input, output);
                losses[step - from] = Losses.MeanSquaredError<float>(output, targets.AsSpan(first * ResumeNet.OutputSize, Batch * ResumeNet.OutputSize), gradient);
                network.ZeroGradients();
                network.Backward(input, gradient, []);
                adam.Step();
            }
            return losses;
        }

        private static float[] Tensor(SafeTensorsFile file, string name)
        {
            SafeTensorInfo info = file.Tensors[name];
            var values = new float[(info.End - info.Begin) / sizeof(float)];
            file.CopyTo(name, values.AsSpan());
            return values;
        }

        private static double MaxError(float[] actual, float[] expected)
        {
            double largest = 0;
            for (int i = 0; i < actual.Length; i++)
            {
                double error = Math.Abs((double)actual[i] - expected[i]) / Math.Max(1, Math.Abs((double)expected[i]));
                largest = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(largest, error);
            }
            return actual.Length == expected.Length ? largest : double.PositiveInfinity;
        }
    }

    internal static class Determinism
    {
        private const int LibrarySteps = 40;

        // The app does not set <DenseGenDeterministic> (except in the --app-property build): the Library's module
        // initializer, run when the app first touches the Library, must turn the mode on. Nothing reads the mode
        // before that, or it would be settled as off.
        public static void LibraryFirst()
        {
            Report.Check(!SwitchInRuntimeConfig(), "the app's runtimeconfig does not carry DenseGen.Deterministic");
            string hash = LibraryCalls.Train(LibrarySteps);
            Console.WriteLine($"library: PolicyNet trained {LibrarySteps} steps, sha256 {hash}");
            Console.WriteLine($"deterministic mode after the library's first use: {(DeterministicMode.IsEnabled ? "on" : "off")}");
            Report.Check(DeterministicMode.IsEnabled, "the Library's <DenseGenDeterministic> turned the mode on for the app (its module initializer)");
        }

        // Losses first reads the mode, as off; the Library then cannot have it and must say so.
        public static void LossesFirst()
        {
            float loss = Losses.SoftmaxCrossEntropy<float>([0.5f, -1f, 2f], [2], []);
            Console.WriteLine($"Losses.SoftmaxCrossEntropy first: {loss:F4}");
            Report.Check(!DeterministicMode.IsEnabled, "Losses read the mode as off");
            try
            {
                string hash = LibraryCalls.Train(LibrarySteps);
                Report.Check(false, $"the Library ran with the mode off (sha256 {hash}) instead of throwing");
            }
            catch (Exception exception)
            {
                Console.WriteLine($"the Library threw {exception.GetType().FullName}" +
                    (exception.InnerException is null ? "" : $" (inner {exception.InnerException.GetType().FullName})"));
                InvalidOperationException? refusal = exception as InvalidOperationException ?? exception.InnerException as InvalidOperationException;
                Report.Check(refusal is not null, "the exception, or its InnerException, is an InvalidOperationException");
                if (refusal is not null)
                {
                    Console.WriteLine($"  message: {refusal.Message}");
                    Report.Check(refusal.Message.Contains("assembly 'WalkThrough.Library' (built with <DenseGenDeterministic>true</DenseGenDeterministic>)", StringComparison.Ordinal),
                        "the message names the Library's assembly and its <DenseGenDeterministic> as what needs the mode");
                    Report.Check(refusal.Message.Contains("<DenseGenDeterministic>true</DenseGenDeterministic>", StringComparison.Ordinal), "the message names the fix, <DenseGenDeterministic>");
                }
            }
        }

        // Built with -p:DenseGenDeterministic=true: the app's runtimeconfig carries the switch, so the mode is on before
        // any DenseGen code runs; the Library then trains as it does when it turned the mode on itself.
        public static void AppProperty()
        {
            bool enabled = DeterministicMode.IsEnabled;
            Console.WriteLine($"deterministic mode on the first line: {(enabled ? "on" : "off")}");
            Report.Check(enabled, "the mode is on from the first line");
            Report.Check(SwitchInRuntimeConfig(), "the app's runtimeconfig carries DenseGen.Deterministic = true");
            if (!enabled)
                return;   // the Library would refuse to run, as --losses-first checks
            string hash = LibraryCalls.Train(LibrarySteps);
            Console.WriteLine($"library: PolicyNet trained {LibrarySteps} steps, sha256 {hash}");
        }

        // Runtimeconfig properties reach AppContext.GetData; AppContext.SetSwitch, which Require uses, does not.
        private static bool SwitchInRuntimeConfig() =>
            AppContext.GetData(DeterministicMode.SwitchName) is string value && value.Equals("true", StringComparison.OrdinalIgnoreCase);
    }

    // The only code that names the Library's types, kept out of its callers so that the Library's module initializer
    // runs inside their try block, when this is first called, and not while a caller is compiled.
    internal static class LibraryCalls
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static string Train(int steps) => WalkThrough.Library.PolicyTraining.Train(steps);
    }
}
