using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// The runtime's .NET Standard builds at work. Everywhere else in this process the portable library runs against
/// the net8.0 runtime; here it is loaded a second time, into a load context of its own where <c>DenseGen</c>
/// resolves to the package's <c>lib/netstandard2.1</c> or <c>lib/netstandard2.0</c> build, as in Unity or on .NET
/// Framework. Both copies of each layer are initialized from one seed and run on the same batch, and must agree:
/// to the bit where both builds do the same arithmetic, within the activations' error bounds where the float
/// activations' vectors fuse multiply-adds in the .NET 8 build and cannot in the .NET Standard builds.
/// </summary>
[Trait("Category", "Integration")]
public class NetStandardRuntimeTests
{
    private const int Samples = 5;

    private static readonly object ExtractLock = new();

    private delegate void ForwardCall<T>(ReadOnlySpan<T> input, Span<T> output);

    private delegate void BackwardCall<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

    private delegate void ActivatedBackwardCall<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

    [Theory]
    [InlineData("netstandard2.1")]
    [InlineData("netstandard2.0")]
    public void NetStandardBuildComputesWhatTheNet8BuildComputes(string target)
    {
        (string package, Assembly library) = PortableConsumerTests.PackedConsumer;
        string runtime = Extract(package, $"lib/{target}/DenseGen.dll");
        var context = new RuntimeContext(runtime);
        try
        {
            Assembly isolated = context.LoadFromAssemblyPath(library.Location);
            Assembly isolatedRuntime = context.LoadFromAssemblyName(new AssemblyName("DenseGen"));
            Assert.Equal(runtime, isolatedRuntime.Location);
            Assert.Contains(isolatedRuntime.GetCustomAttributes<System.Runtime.Versioning.TargetFrameworkAttribute>(),
                a => a.FrameworkName.StartsWith(".NETStandard", StringComparison.Ordinal));

            int compared = 0;
            foreach (Type type in library.GetExportedTypes().Where(t => t.GetCustomAttribute<DenseAttribute>() is not null))
            {
                Type isolatedType = isolated.GetType(type.FullName!, throwOnError: true)!;
                if (type.GetCustomAttribute<DenseAttribute>()!.ElementType == typeof(double))
                    Compare<double>(type, isolatedType, isolatedRuntime, ulpBound: 0);
                else
                    Compare<float>(type, isolatedType, isolatedRuntime, VectorActivationBound(type.GetCustomAttribute<DenseAttribute>()!.Activation));
                compared++;
            }
            Assert.Equal(PortableConsumerTests.LayerCount, compared);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Training through each build: the portable library's <c>TrainingRun</c> (ReLU and leaky ReLU layers, mean squared
    /// error, 40 Adam steps then 20 of SGD with momentum and weight decay) gives the same bits against the .NET Standard
    /// build as against the .NET 8 build, every loss and every parameter: both do the same IEEE operations in the same
    /// order, and the square root is correctly rounded in both. (Softmax cross-entropy's exponentials are vectors that
    /// fuse multiply-adds in the .NET 8 build only: <see cref="CrossEntropyOfNetStandardIsWithinItsBoundOfNet8"/>.)
    /// Each build's weight file is byte for byte the other's, and each loads the other's.
    /// </summary>
    [Theory]
    [InlineData("netstandard2.1")]
    [InlineData("netstandard2.0")]
    public void TrainingGivesTheNet8BuildsBits(string target)
    {
        (string package, Assembly library) = PortableConsumerTests.PackedConsumer;
        string directory = Directory.CreateTempSubdirectory("densegen-netstandard-training-").FullName;
        var context = new RuntimeContext(Extract(package, $"lib/{target}/DenseGen.dll"));
        try
        {
            Type run = library.GetType("Consumers.TrainingRun", throwOnError: true)!;
            Type isolatedRun = context.LoadFromAssemblyPath(library.Location).GetType("Consumers.TrainingRun", throwOnError: true)!;
            float[] Train(Type type, bool crossEntropy) => (float[])type.GetMethod("Train")!.Invoke(null, [40, 20, crossEntropy])!;

            AssertBitIdentical(Train(run, false), Train(isolatedRun, false), "mean squared error run");

            string net8File = Path.Combine(directory, "net8.safetensors"), portableFile = Path.Combine(directory, "portable.safetensors");
            run.GetMethod("TrainAndSave")!.Invoke(null, [40, 20, net8File]);
            isolatedRun.GetMethod("TrainAndSave")!.Invoke(null, [40, 20, portableFile]);
            Assert.Equal(File.ReadAllBytes(net8File), File.ReadAllBytes(portableFile));
            float[] Load(Type type, string path) => (float[])type.GetMethod("Load")!.Invoke(null, [path])!;
            AssertBitIdentical(Load(run, portableFile), Load(isolatedRun, net8File), "weights loaded across builds");
        }
        finally
        {
            context.Unload();
            Directory.Delete(directory, recursive: true);
        }
    }

    private delegate float CrossEntropyCall(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient);

    /// <summary>
    /// Softmax cross-entropy in the .NET Standard builds, whose vector exponentials do not fuse multiply-adds (and whose
    /// float logarithm in 2.0 is double's rounded), against .NET 8's, within a bound derived from the functions' errors
    /// (ulp ≤ 2u|x|, u = 2⁻²⁴): each exponential within 2 ulps (docs/math.md), so the two differ by at most 8u relative;
    /// their sum over C classes, with C − 1 roundings in each, by (2C + 6)u relative; the logarithm (within an ulp in
    /// each build) adds 4u|log Σ| and the two additions after it 2u each of their operands. So a sample's loss differs by
    /// at most (2C + 14)u (1 + |log Σ| + |m| + |z_label|), and a gradient element e^(z−m)/(kΣ) by (2C + 18)u (|g| + 1/k).
    /// </summary>
    [Theory]
    [InlineData("netstandard2.1")]
    [InlineData("netstandard2.0")]
    public void CrossEntropyOfNetStandardIsWithinItsBoundOfNet8(string target)
    {
        (string package, _) = PortableConsumerTests.PackedConsumer;
        var context = new RuntimeContext(Extract(package, $"lib/{target}/DenseGen.dll"));
        try
        {
            Assembly isolatedRuntime = context.LoadFromAssemblyName(new AssemblyName("DenseGen"));
            MethodInfo method = isolatedRuntime.GetType("DenseGen.Losses", throwOnError: true)!.GetMethod("SoftmaxCrossEntropy")!.MakeGenericMethod(typeof(float));
            var portable = (CrossEntropyCall)Delegate.CreateDelegate(typeof(CrossEntropyCall), method);
            const int Classes = 10, Samples = 16;
            var random = new Random(9);
            float[] logits = Enumerable.Range(0, Classes * Samples).Select(_ => (float)(random.NextDouble() * 40 - 20)).ToArray();
            int[] labels = Enumerable.Range(0, Samples).Select(_ => random.Next(Classes)).ToArray();
            float[] gradient = new float[logits.Length], portableGradient = new float[logits.Length];

            float loss = Losses.SoftmaxCrossEntropy<float>(logits, labels, gradient);
            float portableLoss = portable(logits, labels, portableGradient);

            double u = Math.Pow(2, -24), worst = 0;
            for (int s = 0; s < Samples; s++)
            {
                double[] z = logits.Skip(s * Classes).Take(Classes).Select(v => (double)v).ToArray();
                double max = z.Max(), logSum = Math.Log(z.Sum(v => Math.Exp(v - max)));
                worst = Math.Max(worst, 1 + Math.Abs(logSum) + Math.Abs(max) + Math.Abs(z[labels[s]]));
            }
            Assert.True(Math.Abs(loss - portableLoss) <= (2 * Classes + 14) * u * worst, $"loss {loss} (net8.0) vs {portableLoss} ({target})");
            for (int i = 0; i < gradient.Length; i++)
            {
                double bound = (2 * Classes + 18) * u * (Math.Abs(gradient[i]) + 1.0 / Samples);
                Assert.True(Math.Abs(gradient[i] - portableGradient[i]) <= bound, $"gradient[{i}]: {gradient[i]} (net8.0) vs {portableGradient[i]} ({target})");
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// The safetensors reader compiled for each .NET Standard build gives every fuzzing mutant the .NET 8 build's
    /// verdict: the same tensors, or the same refusal with the same message.
    /// </summary>
    [Theory]
    [InlineData("netstandard2.1")]
    [InlineData("netstandard2.0")]
    public void TheSafeTensorsReaderJudgesEveryMutantAsNet8Does(string target)
    {
        (string package, _) = PortableConsumerTests.PackedConsumer;
        string directory = Directory.CreateTempSubdirectory("densegen-netstandard-fuzz-").FullName;
        var context = new RuntimeContext(Extract(package, $"lib/{target}/DenseGen.dll"));
        try
        {
            Assembly isolatedRuntime = context.LoadFromAssemblyName(new AssemblyName("DenseGen"));
            MethodInfo parse = isolatedRuntime.GetType("DenseGen.SafeTensorsFile", throwOnError: true)!.GetMethod("Parse")!;
            int compared = 0;
            foreach ((string _, byte[] seed) in Training.SafeTensorsFuzzTests.SeedFiles(directory))
            {
                for (int i = 0; i < 2_000; i++)
                {
                    (byte[] mutant, string kind) = Infrastructure.SafeTensorsMutator.Mutate(seed, i, Training.SafeTensorsFuzzTests.Seed);
                    string expected, actual;
                    try
                    {
                        SafeTensorsFile file = SafeTensorsFile.Parse(mutant, "m");
                        expected = string.Join(";", file.Tensors.Select(t => $"{t.Key} {t.Value.Dtype} {string.Join("x", t.Value.Shape)} {t.Value.Begin}").Order(StringComparer.Ordinal));
                    }
                    catch (InvalidDataException exception)
                    {
                        expected = exception.Message;
                    }
                    try
                    {
                        object file = parse.Invoke(null, [mutant, "m"])!;
                        var tensors = (System.Collections.IEnumerable)file.GetType().GetProperty("Tensors")!.GetValue(file)!;
                        actual = string.Join(";", tensors.Cast<object>().Select(Describe).Order(StringComparer.Ordinal));
                    }
                    catch (TargetInvocationException exception) when (exception.InnerException is InvalidDataException refusal)
                    {
                        actual = refusal.Message;
                    }
                    Assert.True(expected == actual, $"mutant {i} ({kind}): net8.0 says \"{expected}\", {target} says \"{actual}\"");
                    compared++;
                }
            }
            Assert.Equal(4_000, compared);
        }
        finally
        {
            context.Unload();
            Directory.Delete(directory, recursive: true);
        }
    }

    // A KeyValuePair<string, SafeTensorInfo> of the other context's SafeTensorInfo, described as the net8.0 one is above.
    private static string Describe(object pair)
    {
        object info = pair.GetType().GetProperty("Value")!.GetValue(pair)!;
        object Property(string name) => info.GetType().GetProperty(name)!.GetValue(info)!;
        string shape = string.Join("x", ((System.Collections.Generic.IEnumerable<long>)Property("Shape")));
        return $"{pair.GetType().GetProperty("Key")!.GetValue(pair)} {Property("Dtype")} {shape} {Property("Begin")}";
    }

    private static void AssertBitIdentical(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{what}[{i}]: {expected[i]} (net8.0) vs {actual[i]} (netstandard)");
    }

    /// <summary>
    /// How many ulps of y a float layer's output may differ by between the builds: 0 unless its activation is one the
    /// runtime computes in vectors, whose results in each build are within that activation's bound B of the exact value
    /// (docs/math.md), so within 2B of each other.
    /// </summary>
    private static int VectorActivationBound(Activation activation) => activation switch
    {
        Activation.Sigmoid => 2 * 4,
        Activation.Tanh => 2 * 5,
        Activation.ELU => 2 * 3,
        Activation.SiLU => 2 * 5,
        _ => 0,
    };

    private static void Compare<T>(Type type, Type isolatedType, Assembly isolatedRuntime, int ulpBound)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        bool exact = ulpBound == 0;
        object layer = Activator.CreateInstance(type)!, isolatedLayer = Activator.CreateInstance(isolatedType)!;
        Initializer.Initialize((IDenseParameters<T>)layer, Initialization.PyTorchDefault, seed: 42);
        // The .NET Standard Initializer and SeededRandom, through reflection: their types live in the other context.
        Type initializer = isolatedRuntime.GetType("DenseGen.Initializer", throwOnError: true)!;
        MethodInfo initialize = initializer.GetMethods().Single(m => m.Name == "Initialize" && m.GetGenericArguments().Length == 1)
            .MakeGenericMethod(typeof(T));
        Type scheme = isolatedRuntime.GetType("DenseGen.Initialization", throwOnError: true)!;
        initialize.Invoke(null, [isolatedLayer, Enum.ToObject(scheme, (int)Initialization.PyTorchDefault), 42UL]);

        string name = type.Name;
        // Initialization is integer arithmetic and IEEE operations only: the same bits in every build.
        AssertEqual(Buffer<T>(layer, "__denseWeights"), Buffer<T>(isolatedLayer, "__denseWeights"), 0, name + " weights");
        // A bias-free layer (Bias = false) has no bias buffer, nor a bias gradient.
        bool biased = type.GetCustomAttribute<DenseAttribute>()!.Bias;
        if (biased)
            AssertEqual(Buffer<T>(layer, "__denseBias"), Buffer<T>(isolatedLayer, "__denseBias"), 0, name + " bias");

        int inputs = type.GetCustomAttribute<DenseAttribute>()!.In, outputs = type.GetCustomAttribute<DenseAttribute>()!.Out;
        var random = new Random(7);
        T[] x = Enumerable.Range(0, Samples * inputs).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        T[] dy = Enumerable.Range(0, Samples * outputs).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        (T[] y, T[] dx) = Run(layer, x, dy, inputs, outputs);
        (T[] isolatedY, T[] isolatedDx) = Run(isolatedLayer, x, dy, inputs, outputs);

        AssertEqual(y, isolatedY, ulpBound, name + " forward");
        if (!exact)
            return; // Backward multiplies by the activation's derivative, which amplifies a last-bit difference in y near saturation.
        AssertEqual(dx, isolatedDx, 0, name + " input gradient");
        AssertEqual(Buffer<T>(layer, "__denseWeightGradients"), Buffer<T>(isolatedLayer, "__denseWeightGradients"), 0, name + " weight gradient");
        if (biased)
            AssertEqual(Buffer<T>(layer, "__denseBiasGradients"), Buffer<T>(isolatedLayer, "__denseBiasGradients"), 0, name + " bias gradient");
    }

    private static (T[] Output, T[] InputGradient) Run<T>(object layer, T[] x, T[] dy, int inputs, int outputs)
    {
        var y = new T[Samples * outputs];
        var dx = new T[Samples * inputs];
        Type type = layer.GetType();
        CreateCall<ForwardCall<T>>(layer, "Forward")(x, y);
        if (type.GetMethod("Backward")!.GetParameters().Length == 4)
            CreateCall<ActivatedBackwardCall<T>>(layer, "Backward")(x, y, dy, dx);
        else
            CreateCall<BackwardCall<T>>(layer, "Backward")(x, dy, dx);
        return (y, dx);
    }

    // Spans cannot pass through MethodInfo.Invoke, but a delegate bound to the method takes them.
    private static TDelegate CreateCall<TDelegate>(object layer, string method) where TDelegate : Delegate =>
        (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), layer, layer.GetType().GetMethod(method)!);

    // Portable layers keep their buffers in private arrays; reading those sidesteps the interfaces, whose types
    // differ between the two contexts.
    private static T[] Buffer<T>(object layer, string field) =>
        (T[])layer.GetType().GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(layer)!;

    private static void AssertEqual<T>(T[] expected, T[] actual, int ulpBound, string what)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (ulpBound == 0)
            {
                Assert.True(expected[i].Equals(actual[i]), $"{what}[{i}]: {expected[i]} (net8.0) vs {actual[i]} (netstandard)");
                continue;
            }
            // An ulp of a float y is at most 2u|y| (u = 2⁻²⁴).
            double a = double.CreateChecked(expected[i]), b = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(a - b) <= ulpBound * 2 * Math.Pow(2, -24) * Math.Max(Math.Abs(a), Math.Abs(b)), $"{what}[{i}]: {a} (net8.0) vs {b} (netstandard)");
        }
    }

    internal static string Extract(string package, string entry)
    {
        string directory = Path.Combine(Path.GetDirectoryName(package)!, Path.GetDirectoryName(entry)!);
        string path = Path.Combine(directory, Path.GetFileName(entry));
        lock (ExtractLock)
        {
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(directory);
                using ZipArchive zip = ZipFile.OpenRead(package);
                zip.GetEntry(entry)!.ExtractToFile(path);
            }
        }
        return path;
    }

    /// <summary>A load context in which <c>DenseGen</c> is the given build; everything else comes from the default context.</summary>
    private sealed class RuntimeContext(string runtime) : AssemblyLoadContext(isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name) => name.Name == "DenseGen" ? LoadFromAssemblyPath(runtime) : null;
    }
}
