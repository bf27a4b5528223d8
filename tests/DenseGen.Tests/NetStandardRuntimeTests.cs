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
/// to the bit where both builds do the same arithmetic, within rounding where .NET Standard 2.0, which has no
/// <c>MathF</c>, computes <c>exp</c> and <c>tanh</c> in double.
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
                bool exact = target == "netstandard2.1" || type.GetCustomAttribute<DenseAttribute>()!.Activation is not (Activation.Sigmoid or Activation.Tanh);
                if (type.GetCustomAttribute<DenseAttribute>()!.ElementType == typeof(double))
                    Compare<double>(type, isolatedType, isolatedRuntime, exact);
                else
                    Compare<float>(type, isolatedType, isolatedRuntime, exact);
                compared++;
            }
            Assert.Equal(13, compared);
        }
        finally
        {
            context.Unload();
        }
    }

    private static void Compare<T>(Type type, Type isolatedType, Assembly isolatedRuntime, bool exact)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
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
        AssertEqual(Buffer<T>(layer, "__denseWeights"), Buffer<T>(isolatedLayer, "__denseWeights"), exact: true, name + " weights");
        AssertEqual(Buffer<T>(layer, "__denseBias"), Buffer<T>(isolatedLayer, "__denseBias"), exact: true, name + " bias");

        int inputs = Buffer<T>(layer, "__denseWeights").Length / Buffer<T>(layer, "__denseBias").Length, outputs = Buffer<T>(layer, "__denseBias").Length;
        var random = new Random(7);
        T[] x = Enumerable.Range(0, Samples * inputs).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        T[] dy = Enumerable.Range(0, Samples * outputs).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        (T[] y, T[] dx) = Run(layer, x, dy, inputs, outputs);
        (T[] isolatedY, T[] isolatedDx) = Run(isolatedLayer, x, dy, inputs, outputs);

        AssertEqual(y, isolatedY, exact, name + " forward");
        if (!exact)
            return; // Backward multiplies by the activation's derivative, which amplifies a last-bit difference in y near saturation.
        AssertEqual(dx, isolatedDx, exact, name + " input gradient");
        AssertEqual(Buffer<T>(layer, "__denseWeightGradients"), Buffer<T>(isolatedLayer, "__denseWeightGradients"), exact, name + " weight gradient");
        AssertEqual(Buffer<T>(layer, "__denseBiasGradients"), Buffer<T>(isolatedLayer, "__denseBiasGradients"), exact, name + " bias gradient");
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

    private static void AssertEqual<T>(T[] expected, T[] actual, bool exact, string what)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (exact)
            {
                Assert.True(expected[i].Equals(actual[i]), $"{what}[{i}]: {expected[i]} (net8.0) vs {actual[i]} (netstandard)");
                continue;
            }
            // float's exp and tanh against double's rounded to float: each within about one unit in the last place
            // of the exact value, so y = 1/(1 + e^−z) or tanh z differs by at most a few units of u·|y| (u = 2⁻²⁴).
            double a = double.CreateChecked(expected[i]), b = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(a - b) <= 4 * Math.Pow(2, -24) * Math.Max(Math.Abs(a), Math.Abs(b)), $"{what}[{i}]: {a} (net8.0) vs {b} (netstandard)");
        }
    }

    private static string Extract(string package, string entry)
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
