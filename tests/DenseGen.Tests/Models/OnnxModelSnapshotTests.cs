using System;
using System.Linq;
using System.Runtime.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DenseGen.Tests.Models;

/// <summary>
/// The code generated for a small policy of both exporters' forms (a normalizer, two inputs joined, SiLU, a continuous
/// head clipped and scaled, a masked softmax drawn from and its argmax), as snapshots in Verify's convention: in the full
/// output, the portable one (C# 9, as Unity compiles) and deterministic mode; documentation comments are checked, as in a
/// project with GenerateDocumentationFile.
/// </summary>
public class OnnxModelSnapshotTests
{
    internal static byte[] Policy() => new OnnxBuilder()
        .Input("obs_0", "batch", 3L)
        .Input("obs_1", "batch", 2L)
        .Input("action_masks", "batch", 2L)
        .Initializer("mean", [3], [0.5f, -0.25f, 1f])
        .Initializer("std", [3], [2f, 0.5f, 1f])
        .Initializer("w", [4, 5], Enumerable.Range(0, 20).Select(i => (i % 7 - 3) / 8f).ToArray())
        .Initializer("b", [4], [0.125f, -0.125f, 0.25f, 0f])
        .Initializer("wc", [2, 4], [0.5f, -0.5f, 0.25f, 1f, -1f, 0.75f, 0f, 0.5f])
        .Initializer("wd", [2, 4], [1f, 0.5f, -0.25f, 0f, 0.25f, -1f, 0.5f, 0.5f])
        .Initializer("three", [], [3f])
        .Initializer("big", [], [1e8f])
        .Initializer("one", [], [1f])
        .Node("Sub", "sub", ["obs_0", "mean"], ["centred"])
        .Node("Div", "div", ["centred", "std"], ["scaled"])
        .Node("Clip", "clip", ["scaled", "neg5", "pos5"], ["normalized"])
        .Constant("neg5node", "neg5", [], [-5f])
        .Constant("pos5node", "pos5", [], [5f])
        .Node("Concat", "join", ["normalized", "obs_1"], ["features"], ("axis", 1L))
        .Node("Gemm", "hidden", ["features", "w", "b"], ["z"], ("transB", 1L))
        .Node("Sigmoid", "gate", ["z"], ["s"])
        .Node("Mul", "swish", ["z", "s"], ["h"])
        .Node("Gemm", "mu", ["h", "wc"], ["mu_out"], ("transB", 1L))
        .Node("Clip", "clamp", ["mu_out", "neg3", "pos3"], ["clamped"])
        .Constant("neg3node", "neg3", [], [-3f])
        .Constant("pos3node", "pos3", [], [3f])
        .Node("Div", "scale", ["clamped", "three"], ["deterministic_continuous_actions"])
        .Node("Gemm", "logits", ["h", "wd"], ["l"], ("transB", 1L))
        .Node("Mul", "masked", ["l", "action_masks"], ["kept"])
        .Node("Sub", "inverse", ["one", "action_masks"], ["dropped"])
        .Node("Mul", "penalty", ["dropped", "big"], ["p"])
        .Node("Sub", "norm", ["kept", "p"], ["norm_logits"])
        .Node("Softmax", "softmax", ["norm_logits"], ["probs"], ("axis", 1L))
        .Node("Log", "log", ["probs"], ["logp"])
        .Node("Multinomial", "draw", ["logp"], ["discrete_actions"], ("sample_size", 1L), ("dtype", 7L))
        .Node("ArgMax", "best", ["probs"], ["deterministic_discrete_actions"], ("axis", 1L), ("keepdims", 1L))
        .Initializer("version_number", [1], [3f])
        .Output("version_number", 1L)
        .Output("deterministic_continuous_actions", "batch", 2L)
        .Int64Output("discrete_actions", "batch", 1L)
        .Int64Output("deterministic_discrete_actions", "batch", 1L)
        .Build();

    [Fact]
    public void Policy_Full() => Verify(LanguageVersion.Latest, "");

    [Fact]
    public void Policy_Portable() => Verify(LanguageVersion.CSharp9, "");

    [Fact]
    public void Policy_Deterministic() => Verify(LanguageVersion.Latest, ", Deterministic = true, MaxBatch = 4");

    private static void Verify(LanguageVersion version, string arguments, [CallerMemberName] string testMethod = "")
    {
        (GeneratorRunResult result, Compilation output) = ModelHarness.Generate(Policy(), version, DocumentationMode.Diagnose, [version == LanguageVersion.CSharp9 ? ModelHarness.Csharp9Declaration(arguments) : ModelHarness.Declaration(arguments)]);
        Assert.Null(result.Exception);
        // The declaration is undocumented (CS1591 there); nothing may come from the generated files.
        Assert.Empty(GeneratorHarness.AllDiagnostics(result, output).Where(d => d.Id != "CS1591" || d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
        foreach (GeneratedSourceResult generated in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
            Snapshot.VerifySource(generated.SourceText.ToString(), generated.HintName, nameof(OnnxModelSnapshotTests), testMethod);
    }
}
