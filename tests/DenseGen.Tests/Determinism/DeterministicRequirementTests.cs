using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Determinism;

/// <summary>
/// The runtime's deterministic mode is one switch per process, so a deterministic layer or network, or a project built
/// with <c>&lt;DenseGenDeterministic&gt;</c>, turns it on through <see cref="DeterministicMode.Require"/>: from a module
/// initializer in the full output, from the types' entry points in the portable output (which has none). Each case
/// compiles a small assembly as a user's build would and runs it in a child process, where the mode is still unread, as
/// it is when an app starts.
/// </summary>
public class DeterministicRequirementTests
{
    private const string DeterministicLayer = """
        using DenseGen;
        [Dense(In = 3, Out = 2, Deterministic = true)] public partial class Layer { }
        public static class Probe
        {
            public static void Run()
            {
                var output = new float[] { 7f, 7f };
                try
                {
                    new Layer().Forward(new float[] { 1f, 2f, 3f }, output);
                }
                finally
                {
                    System.Console.WriteLine("output untouched: " + (output[0] == 7f && output[1] == 7f));
                }
            }
        }
        """;

    private const string PlainLayer = """
        using DenseGen;
        [Dense(In = 3, Out = 2)] public partial class Layer { }
        public static class Probe
        {
            public static void Run() => new Layer().Forward(new float[] { 1f, 2f, 3f }, new float[2]);
        }
        """;

    private const string NoLayers = """
        public static class Probe
        {
            public static void Run() { }
        }
        """;

    private const string DeterministicNetwork = """
        using DenseGen;
        [Dense(In = 3, Out = 4, Activation = Activation.Tanh, Deterministic = true)] public partial class Hidden { }
        [Dense(In = 4, Out = 2, Deterministic = true)] public partial class Output { }
        [Sequential(Deterministic = true)]
        public partial class Net
        {
            public readonly Hidden Hidden = new Hidden();
            public readonly Output Output = new Output();
        }
        public static class Probe
        {
            public static void Run() => new Net().Initialize(1);
        }
        """;

    private static readonly ImmutableDictionary<string, string> NoProperties = ImmutableDictionary<string, string>.Empty;

    private static readonly ImmutableDictionary<string, string> ProjectDeterministic =
        NoProperties.Add("build_property.DenseGenDeterministic", "true");

    private static readonly ImmutableDictionary<string, string> OptedOut =
        NoProperties.Add("build_property.DenseGenRequireDeterministicMode", "false");

    [Fact]
    public void ADeterministicLayerGetsAModuleInitializerThatNamesItsAssembly()
    {
        string initializer = ModuleInitializer(Generate(DeterministicLayer, NoProperties, portable: false))!;
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", initializer, StringComparison.Ordinal);
        Assert.Contains("global::DenseGen.DeterministicMode.Require(\"assembly 'DenseGenTestAssembly' (it declares deterministic layers)\");", initializer, StringComparison.Ordinal);
    }

    [Fact]
    public void TheProjectPropertyGetsOneWithoutAnyLayer()
    {
        string initializer = ModuleInitializer(Generate(NoLayers, ProjectDeterministic, portable: false))!;
        Assert.Contains("(built with <DenseGenDeterministic>true</DenseGenDeterministic>)", initializer, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingDeterministicOrAnOptOutGetsNone()
    {
        Assert.Null(ModuleInitializer(Generate(PlainLayer, NoProperties, portable: false)));
        Assert.Null(ModuleInitializer(Generate(NoLayers, NoProperties, portable: false)));
        Assert.Null(ModuleInitializer(Generate(DeterministicLayer, OptedOut, portable: false)));
        Assert.Null(ModuleInitializer(Generate(NoLayers, ProjectDeterministic.AddRange(OptedOut), portable: false)));
    }

    [Fact]
    public void ThePortableOutputAsksFromEachEntryPointInstead()
    {
        GeneratorRunResult result = Generate(DeterministicNetwork, NoProperties, portable: true);
        Assert.Null(ModuleInitializer(result));
        const string Layer = "global::DenseGen.DeterministicMode.Require(\"the deterministic layer 'Hidden'\");";
        const string Network = "global::DenseGen.DeterministicMode.Require(\"the deterministic network 'Net'\");";
        string hidden = Source(result, "Hidden.Dense.g.cs"), net = Source(result, "Net.Sequential.g.cs");
        // The layer's Forward and Backward; the network's Forward, Backward, Initialize, Load and the three LoadOnnx.
        Assert.Equal(2, Count(hidden, Layer));
        Assert.Equal(7, Count(net, Network));
        Assert.Equal(0, Count(Source(Generate(DeterministicNetwork, OptedOut, portable: true), "Net.Sequential.g.cs"), "DeterministicMode.Require"));
        Assert.Equal(0, Count(Source(Generate(DeterministicNetwork, NoProperties, portable: false), "Net.Sequential.g.cs"), "DeterministicMode.Require"));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void TheLayerAttributeAloneTurnsTheModeOn()
    {
        string output = RunChild(DeterministicLayer, NoProperties, portable: false, firstStep: "unread");
        Assert.Contains("enabled after: True", output, StringComparison.Ordinal);
        Assert.Contains("output untouched: False", output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void TheProjectPropertyTurnsItOnFromALibraryWithNoLayers()
    {
        string output = RunChild(NoLayers, ProjectDeterministic, portable: false, firstStep: "unread");
        Assert.Contains("enabled after: True", output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void WithoutDeterministicTypesOrWithTheOptOutTheModeStaysOff()
    {
        Assert.Contains("enabled after: False", RunChild(PlainLayer, NoProperties, portable: false, firstStep: "unread"), StringComparison.Ordinal);
        Assert.Contains("enabled after: False", RunChild(DeterministicLayer, OptedOut, portable: false, firstStep: "unread"), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void ReadAsOffFirstTheAssemblyThrowsNamingItselfAndTheFix()
    {
        string output = RunChild(DeterministicLayer, NoProperties, portable: false, firstStep: "read-first");
        // A module initializer's exception reaches the caller inside the TypeInitializationException of <Module>.
        Assert.Contains("threw System.TypeInitializationException", output, StringComparison.Ordinal);
        Assert.Contains("inner System.InvalidOperationException: assembly 'DenseGenTestAssembly' (it declares deterministic layers) needs DenseGen's deterministic mode", output, StringComparison.Ordinal);
        Assert.Contains("<DenseGenDeterministic>true</DenseGenDeterministic> in the app's project", output, StringComparison.Ordinal);
        Assert.Contains("AppContext.SetSwitch(\"DenseGen.Deterministic\", true) first thing in Main", output, StringComparison.Ordinal);
        Assert.Contains("enabled after: False", output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void APortableNetworksInitializeTurnsTheModeOn()
    {
        string output = RunChild(DeterministicNetwork, NoProperties, portable: true, firstStep: "unread");
        Assert.Contains("enabled after: True", output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void ReadAsOffFirstAPortableLayerThrowsBeforeItWritesAnything()
    {
        string output = RunChild(DeterministicLayer, NoProperties, portable: true, firstStep: "read-first");
        Assert.Contains("threw System.InvalidOperationException: the deterministic layer 'Layer' needs DenseGen's deterministic mode", output, StringComparison.Ordinal);
        Assert.Contains("output untouched: True", output, StringComparison.Ordinal);
        Assert.Contains("enabled after: False", output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void ASwitchSetToFalseIsRefusedNotOverridden()
    {
        string output = RunChild(DeterministicLayer, NoProperties, portable: false, firstStep: "switch-off");
        Assert.Contains("inner System.InvalidOperationException: assembly 'DenseGenTestAssembly' (it declares deterministic layers) needs DenseGen's deterministic mode, but the DenseGen.Deterministic switch is set to false", output, StringComparison.Ordinal);
        Assert.Contains("enabled after: False", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The child's side: optionally reads the mode first (<c>read-first</c>) or sets the switch to false
    /// (<c>switch-off</c>), then runs the library's <c>Probe.Run</c>.
    /// </summary>
    internal static int RunProbe(string library, string firstStep)
    {
        if (firstStep == "read-first")
            Console.WriteLine("enabled before: " + DeterministicMode.IsEnabled);
        else if (firstStep == "switch-off")
            AppContext.SetSwitch(DeterministicMode.SwitchName, false);
        try
        {
            System.Reflection.Assembly.LoadFrom(library).GetType("Probe", throwOnError: true)!.GetMethod("Run")!.Invoke(null, null);
        }
        catch (System.Reflection.TargetInvocationException invocation) when (invocation.InnerException is not null)
        {
            Exception thrown = invocation.InnerException;
            Console.WriteLine($"threw {thrown.GetType()}: {thrown.Message}");
            if (thrown.InnerException is not null)
                Console.WriteLine($"inner {thrown.InnerException.GetType()}: {thrown.InnerException.Message}");
        }
        Console.WriteLine("enabled after: " + DeterministicMode.IsEnabled);
        return 0;
    }

    private static string RunChild(string source, ImmutableDictionary<string, string> properties, bool portable, string firstStep)
    {
        string directory = Path.Combine(Path.GetTempPath(), "densegen-requirement-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string library = Path.Combine(directory, "DenseGenTestAssembly.dll");
            Compilation output = Compile(source, properties, portable, out GeneratorRunResult result, asUnity: portable);
            Assert.DoesNotContain(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            if (portable)
                Assert.Contains(output.ReferencedAssemblyNames, a => a.Name == "netstandard" && a.Version.Major == 2 && a.Version.Minor == 1);
            Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(library);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            (int exitCode, string printed) = DotnetHost.Run(
                ["exec", typeof(KernelPathProgram).Assembly.Location, KernelPathProgram.DeterministicRequirementCommand, library, firstStep],
                TimeSpan.FromMinutes(2));
            Assert.True(exitCode == 0, printed);
            return printed;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static GeneratorRunResult Generate(string source, ImmutableDictionary<string, string> properties, bool portable)
    {
        Compile(source, properties, portable, out GeneratorRunResult result);
        Assert.Empty(result.Diagnostics);
        return result;
    }

    /// <summary>
    /// Runs the generator and compiles. The full output against .NET 10; the portable output, when run in a child, as
    /// Unity compiles it: C# 9 against .NET Standard 2.1 and the package's netstandard2.1 build of DenseGen (the fast
    /// generator-only checks take the .NET 10 references at C# 9, which gives the same portable output).
    /// </summary>
    private static Compilation Compile(string source, ImmutableDictionary<string, string> properties, bool portable, out GeneratorRunResult result, bool asUnity = false)
    {
        CSharpCompilation compilation = asUnity
            ? GeneratorHarness.CreateCompilation([source], LanguageVersion.CSharp9, [.. NetStandard21References.Value])
            : GeneratorHarness.CreateCompilation(source, portable ? LanguageVersion.CSharp9 : LanguageVersion.Latest);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(
                parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options, buildProperties: new BuildProperties(properties))
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        result = driver.GetRunResult().Results.Single();
        return output;
    }

    /// <summary>.NET Standard 2.1's reference assemblies (located at build time, see the project file) and DenseGen's netstandard2.1 build from the package.</summary>
    private static readonly Lazy<MetadataReference[]> NetStandard21References = new(() =>
    {
        string folder = typeof(DeterministicRequirementTests).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NetStandard21References").Value!;
        string runtime = NetStandardRuntimeTests.Extract(PortableConsumerTests.PackedConsumer.Package, "lib/netstandard2.1/DenseGen.dll");
        return [.. Directory.GetFiles(folder, "*.dll").Select(path => MetadataReference.CreateFromFile(path)), MetadataReference.CreateFromFile(runtime)];
    });

    private static string? ModuleInitializer(GeneratorRunResult result) =>
        result.GeneratedSources.SingleOrDefault(s => s.HintName == "DenseGen.DeterministicMode.g.cs").SourceText?.ToString();

    private static string Source(GeneratorRunResult result, string hintName) =>
        result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
