using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Determinism;

/// <summary>
/// The three opt-ins agree: a layer's <c>Deterministic = true</c>, a network's, which requires its layers to be
/// (DG0032), and the project's <c>DenseGenDeterministic</c> property, which the compiler passes on as
/// <c>build_property.DenseGenDeterministic</c> and which makes every layer deterministic.
/// </summary>
public class DeterministicGeneratorTests
{
    private const string Source = """
        using DenseGen;
        [Dense(In = 20, Out = 6, Activation = Activation.Tanh)] public partial class Hidden;
        [Dense(In = 6, Out = 2, Deterministic = true)] public partial class Output;

        [Sequential(Deterministic = true)]
        public partial class Net
        {
            public readonly Hidden Hidden = new();
            public readonly Output Output = new();
        }
        """;

    [Fact]
    public void ADeterministicNetworkNamesEachLayerThatIsNot()
    {
        GeneratorRunResult result = Run(projectProperty: null);
        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("DG0032", error.Id);
        Assert.Contains("'Hidden' (Hidden) is not", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("Deterministic kernels", Generated(result, "Hidden"));
        Assert.Contains("Deterministic kernels", Generated(result, "Output"));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("True")]
    public void TheProjectPropertyMakesEveryLayerDeterministic(string value)
    {
        GeneratorRunResult result = Run(projectProperty: value);
        Assert.Empty(result.Diagnostics);
        Assert.Contains("Deterministic kernels", Generated(result, "Hidden"));
        Assert.Contains("DeterministicActivations.Tanh(output)", Generated(result, "Hidden"));
    }

    [Fact]
    public void ThePropertySetToFalseChangesNothing()
    {
        GeneratorRunResult result = Run(projectProperty: "false");
        Assert.Equal("DG0032", Assert.Single(result.Diagnostics).Id);
    }

    private static GeneratorRunResult Run(string? projectProperty)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Source);
        var properties = new BuildProperties(projectProperty is null
            ? ImmutableDictionary<string, string>.Empty
            : ImmutableDictionary<string, string>.Empty.Add("build_property.DenseGenDeterministic", projectProperty));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(buildProperties: properties);
        return driver.RunGenerators(compilation).GetRunResult().Results.Single();
    }

    private static string Generated(GeneratorRunResult result, string type) =>
        result.GeneratedSources.Single(s => s.HintName == type + ".Dense.g.cs").SourceText.ToString();
}
