using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// The portable output as a Unity 6 project gets it: packs DenseGen, builds <c>tests/Consumers/Portable</c>
/// (netstandard2.1, C# 9) against that package, loads the library into this .NET 10 process and runs the same
/// numerical checks as every other layer. Loading it here also proves the binary contract: the library was compiled
/// against DenseGen's netstandard2.1 build and runs against its net8.0 build, as it would inside a .NET 8 app.
/// </summary>
[Trait("Category", "Integration")]
public class PortableConsumerTests
{
    /// <summary>The layers of the portable library: Layers.cs's eighteen, TrainingRun.cs's three and DeterminismDigest.cs's four.</summary>
    internal const int LayerCount = 26;

    private static readonly int[] BatchSizes = [1, 2, 5, 64];

    private static readonly Lazy<(string Package, Assembly Library)> Consumer = new(BuildConsumer);

    /// <summary>The package packed for these tests and the portable library built from it, made once per test run.</summary>
    internal static (string Package, Assembly Library) PackedConsumer => Consumer.Value;

    [Fact]
    public void EveryPortableLayerMatchesTheReference() =>
        Assert.Equal(LayerCount * BatchSizes.Length, CheckEveryLayer(Consumer.Value.Library));

    /// <summary>
    /// The same checks with Vector&lt;T&gt; unaccelerated, as on Mono and IL2CPP: a child process (the test assembly's
    /// own entry point) started with DOTNET_EnableHWIntrinsic=0, so every row takes the element-by-element loops.
    /// </summary>
    [Fact]
    public void EveryPortableLayerMatchesTheReferenceWithoutVectors()
    {
        string library = Consumer.Value.Library.Location;
        (int exitCode, string output) = DotnetHost.Run(
            ["exec", typeof(KernelPathProgram).Assembly.Location, KernelPathProgram.CheckPortableCommand, library],
            TimeSpan.FromMinutes(3), environment: new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = "0" });
        Assert.True(exitCode == 0, output);
        Assert.Contains("Vector<T> accelerated: False", output, StringComparison.Ordinal);
        Assert.Contains($"{LayerCount * BatchSizes.Length} checks passed", output, StringComparison.Ordinal);
    }

    /// <summary>The portable library's [Standardize] layers: three default ones (Vector&lt;T&gt; loops and tails), four deterministic.</summary>
    internal const int StandardizeLayerCount = 7;

    /// <summary>
    /// The portable library's standardizing layers against both references, and its deterministic ones' digest equal to
    /// the full output's, here (Vector&lt;T&gt; accelerated) and in a child without hardware intrinsics (as on Mono and
    /// IL2CPP, where the default layers' Vector&lt;T&gt; loops are software and the deterministic ones never use them).
    /// </summary>
    [Fact]
    public void EveryPortableStandardizeLayerMatchesTheReferencesAndTheDigestWithAndWithoutVectors()
    {
        Assembly library = Consumer.Value.Library;
        int checks = StandardizeLayerCount * (Standardize.StandardizeChecks.BatchSizes.Length + 1);
        Assert.Equal(checks, Standardize.StandardizePortableTests.CheckEveryLayer(library));
        Assert.Equal(Standardize.StandardizeChecks.ExpectedDigest, Standardize.StandardizeChecks.Digest(Standardize.StandardizePortableTests.LayersOf(library)));

        (int exitCode, string output) = DotnetHost.Run(
            ["exec", typeof(KernelPathProgram).Assembly.Location, KernelPathProgram.CheckPortableCommand, library.Location],
            TimeSpan.FromMinutes(3), environment: new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = "0" });
        Assert.True(exitCode == 0, output);
        Assert.Contains($"standardize: {checks} checks, digest {Standardize.StandardizeChecks.ExpectedDigest}", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A [Sequential] network in portable output runs: forward beyond MaxBatch (in chunks), then forward and backward,
    /// within the bounds of a double reference of the chain, as full-output networks do.
    /// </summary>
    [Fact]
    public void ThePortableNetworkMatchesTheChainReference()
    {
        Type type = Consumer.Value.Library.GetType("Portable.PortableNet", throwOnError: true)!;
        object network = Activator.CreateInstance(type)!;
        type.GetMethod("Initialize")!.Invoke(network, [5UL, Initialization.PyTorchDefault]);
        var module = (ITrainableModule<float>)network;
        var hidden = (IDenseParameters<float>)type.GetField("Hidden")!.GetValue(network)!;
        var output = (IDenseParameters<float>)type.GetField("Output")!.GetValue(network)!;
        Networks.ChainReference.LayerValues[] layers = [Networks.ChainReference.Layer(hidden), Networks.ChainReference.Layer(output)];
        var random = new Random(6);

        float[] many = LayerChecks.RandomValues<float>(random, 6 * 31);
        var manyOutputs = new float[6 * 3];
        module.Forward(many, manyOutputs);
        Networks.ChainReference.AssertForwardWithinBound(manyOutputs, many, layers);

        float[] x = LayerChecks.RandomValues<float>(random, 4 * 31), dy = LayerChecks.RandomValues<float>(random, 4 * 3);
        float[] y = new float[4 * 3], dx = new float[4 * 31];
        module.Forward(x, y);
        module.Backward(x, dy, dx);
        Networks.NetworkTests.AssertChain(ErrorBound.FloatRoundoff, x, dy, y, dx, layers, [hidden, output]);
    }

    /// <summary>
    /// Training as a Unity user trains, through the package: the portable library's <c>TrainingRun</c> (a 6→16→12→3
    /// network, Adam then SGD, each loss) learns (its loss falls below a third of where it started), and the weights it
    /// saves read back to the bit. NetStandardRuntimeTests runs the same training against the .NET Standard builds
    /// and compares the bits; the Mono consumer runs it on Mono.
    /// </summary>
    [Fact]
    public void TrainingThroughThePackageLearnsAndItsWeightFileReadsBack()
    {
        Type run = Consumer.Value.Library.GetType("Consumers.TrainingRun", throwOnError: true)!;
        const int AdamSteps = 40, SgdSteps = 20, Steps = AdamSteps + SgdSteps;
        foreach (bool crossEntropy in new[] { false, true })
        {
            float[] result = (float[])run.GetMethod("Train")!.Invoke(null, [AdamSteps, SgdSteps, crossEntropy])!;
            double first = result.Take(8).Average(), last = result.Skip(Steps - 8).Take(8).Average();
            Assert.True(last < first / 3, $"{(crossEntropy ? "cross-entropy" : "mean squared error")}: the loss went from {first} to {last}");
        }

        string path = Path.Combine(Path.GetTempPath(), "densegen-portable-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            run.GetMethod("TrainAndSave")!.Invoke(null, [AdamSteps, SgdSteps, path]);
            float[] trained = ((float[])run.GetMethod("Train")!.Invoke(null, [AdamSteps, SgdSteps, false])!)[Steps..];
            float[] loaded = (float[])run.GetMethod("Load")!.Invoke(null, [path])!;
            Assert.Equal(trained.Select(BitConverter.SingleToInt32Bits), loaded.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal("hidden: Dense(In = 6, Out = 16, Activation = ReLU)", SafeTensorsFile.Read(path).Metadata["densegen.layer.0"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Deterministic layers in portable output, on .NET: the library's own copy of the deterministic mode's digest
    /// (a network of deterministic layers trained with the switch on) must be the committed one, which full output, the
    /// arm64 JIT, NativeAOT and Mono give too; with Vector&lt;T&gt; unaccelerated as well.
    /// </summary>
    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public void ThePortableDeterministicNetworkGivesTheCommittedDigest(string hardwareIntrinsics)
    {
        (int exitCode, string output) = DotnetHost.Run(
            ["exec", typeof(KernelPathProgram).Assembly.Location, KernelPathProgram.DeterministicPortableCommand, Consumer.Value.Library.Location],
            TimeSpan.FromMinutes(2), environment: new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = hardwareIntrinsics });
        Assert.True(exitCode == 0, output);
        Assert.Contains("digest " + Consumers.DeterminismDigest.Expected, output, StringComparison.Ordinal);
    }

    /// <summary>Runs the numerical checks on every layer of a library, at each batch size; returns how many ran.</summary>
    internal static int CheckEveryLayer(Assembly library)
    {
        int checks = 0;
        foreach (Type type in library.GetExportedTypes().Where(t => !t.IsAbstract && t.GetCustomAttribute<DenseAttribute>() is not null))
        {
            foreach (int batch in BatchSizes)
            {
                object layer = Activator.CreateInstance(type)!;
                int seed = 31 * batch + type.Name.Length;
                switch (layer)
                {
                    case IDenseLayer<float> f: LayerChecks.CheckAgainstReference(f, batch, seed); break;
                    case IDenseLayer<double> d: LayerChecks.CheckAgainstReference(d, batch, seed); break;
                    case IActivatedDenseLayer<float> f: LayerChecks.CheckActivatedAgainstReference(f, batch, seed); break;
                    case IActivatedDenseLayer<double> d: LayerChecks.CheckActivatedAgainstReference(d, batch, seed); break;
                    default: throw new InvalidOperationException(type.Name + " implements no layer interface");
                }
                checks++;
            }
        }
        return checks;
    }

    [Fact]
    public void TheConsumerGotPortableCodeWithTheFullPublicSurface()
    {
        Type portable = Consumer.Value.Library.GetType("Portable.F17x33", throwOnError: true)!;
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;
        Assert.NotNull(portable.GetMethod("__DenseForwardPortable", Private));
        Assert.NotNull(portable.GetMethod("__DenseBackwardPortable", Private));
        // What a .NET 8 layer offers (Layers.F17x33 here, generated as full output), the portable one offers too.
        string[] Surface(Type t) => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(m => m.MemberType + " " + m.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Surface(typeof(Layers.F17x33)), Surface(portable));
        Assert.Equal(typeof(Layers.F17x33).GetInterfaces(), portable.GetInterfaces());
    }

    [Fact]
    public void ThePackageHoldsWhatAUserNeeds()
    {
        using ZipArchive package = ZipFile.OpenRead(Consumer.Value.Package);
        string[] files = package.Entries.Select(e => e.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal) && !name.StartsWith("package/", StringComparison.Ordinal) && name != "[Content_Types].xml")
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "DenseGen.nuspec",
                "README.md",
                // The generator as an analyzer only: never in lib/, where it would become a reference of every user.
                "analyzers/dotnet/roslyn4.3/cs/DenseGen.Generator.dll",
                // Hands the project's weight files to the generator, for [Sequential(Weights = ...)].
                "build/DenseGen.targets", "buildTransitive/DenseGen.targets",
                "lib/net8.0/DenseGen.dll", "lib/net8.0/DenseGen.xml",
                "lib/netstandard2.0/DenseGen.dll", "lib/netstandard2.0/DenseGen.xml",
                "lib/netstandard2.1/DenseGen.dll", "lib/netstandard2.1/DenseGen.xml",
            ],
            files);

        XDocument nuspec;
        using (Stream stream = package.GetEntry("DenseGen.nuspec")!.Open())
            nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        string Field(string name) => metadata.Element(ns + name)?.Value ?? "";
        Assert.Equal("DenseGen", Field("id"));
        Assert.Equal("README.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("license")));
        Assert.Contains("source-generator", Field("tags"), StringComparison.Ordinal);
        Assert.True(Field("description").Length > 100, "the description says what DenseGen is");
        // Not a development dependency: users compile against [Dense], so it must flow to their dependants.
        Assert.NotEqual("true", Field("developmentDependency"));
        // Only netstandard2.0 depends on anything (System.Memory, for Span<T>); the generator is no dependency.
        string[] dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToArray();
        Assert.Equal(["System.Memory"], dependencies);
    }

    private static (string Package, Assembly Library) BuildConsumer()
    {
        string root = Repository.Root();
        string work = Directory.CreateTempSubdirectory("densegen-portable-").FullName;
        // A version no earlier run can have left in the package cache, so only the package packed here can restore.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        string feed = Path.Combine(work, "feed"), output = Path.Combine(work, "out");
        try
        {
            Run(root, "pack", "runtime/DenseGen", "-c", "Release", "-o", feed, "-p:PackageVersion=" + version);
            string config = Path.Combine(work, "NuGet.config");
            // The folder feed first; nuget.org for the netstandard2.1 targeting pack on a machine that lacks it.
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            Run(root, "build", "tests/Consumers/Portable", "-c", "Release", "--configfile", config, "-o", output, "-p:DenseGenVersion=" + version);
            return (Path.Combine(feed, "DenseGen." + version + ".nupkg"), Assembly.LoadFrom(Path.Combine(output, "Portable.dll")));
        }
        finally
        {
            // The test version would otherwise pile up in the user's package cache, one per run.
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string cached = Path.Combine(cache, "densegen", version);
            if (Directory.Exists(cached))
                Directory.Delete(cached, recursive: true);
        }
    }

    private static void Run(string workingDirectory, params string[] arguments)
    {
        (int exitCode, string output) = DotnetHost.Run(arguments, TimeSpan.FromMinutes(5), workingDirectory);
        Assert.True(exitCode == 0, "dotnet " + string.Join(' ', arguments) + " failed:\n" + output);
    }

}
