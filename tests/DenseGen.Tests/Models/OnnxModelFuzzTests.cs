using System;
using System.Diagnostics;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// Mutation fuzzing of <c>[OnnxModel]</c>: 2,000 mutants (<see cref="OnnxMutator"/>, fixed seed) of the snapshot tests'
/// policy, which holds every kind of step, and 1,000 of the PyTorch export whose shapes and constants the generator
/// evaluates at compile time (tools/make-torch-fixtures.py shapes), through the generator. Each gives one DG0038 naming the
/// problem or code that compiles without an error; the generator never throws (nor reports DG0010, its own bug) and
/// takes under a second.
/// </summary>
public class OnnxModelFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 2027, Mutants = 2_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData("policy", Mutants)]
    [InlineData("shapes.opset13.onnx", 1_000)]
    public void EveryMutantCompilesOrIsOneDiagnostic(string model, int mutants)
    {
        byte[] seed = model == "policy" ? OnnxModelSnapshotTests.Policy() : System.IO.File.ReadAllBytes(Import.OnnxImportTests.Fixture(model));
        // The seed compiles; run once untimed, so the budget does not count the JIT compiling the generator.
        Assert.Empty(ModelHarness.Generate(seed, ModelHarness.Declaration()).Result.Diagnostics);
        int compiled = 0, refused = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int i = 0; i < mutants; i++)
        {
            (byte[] mutant, string kind) = OnnxMutator.Mutate(seed, i, Seed);
            string what = $"mutant {i} ({kind})";
            var clock = Stopwatch.StartNew();
            (GeneratorRunResult result, Compilation compilation) = ModelHarness.Generate(mutant, ModelHarness.Declaration());
            clock.Stop();
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            Assert.True(clock.Elapsed < Budget, $"{what}: the generator took {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Null(result.Exception);
            Diagnostic[] reported = result.Diagnostics.ToArray();
            if (reported.Length > 0)
            {
                Assert.True(reported is [{ Id: "DG0038" }], $"{what}: {string.Join("; ", reported.Select(d => d.ToString()))}");
                Assert.Empty(result.GeneratedSources);
                refused++;
                continue;
            }
            // Only the generated file's errors: binding it alone is enough to show it compiles.
            SyntaxTree generated = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith(".OnnxModel.g.cs", StringComparison.Ordinal));
            Diagnostic[] errors = compilation.GetSemanticModel(generated).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            Assert.True(errors.Length == 0, $"{what}: the generated code does not compile: {string.Join("; ", errors.Take(3))}");
            compiled++;
        }
        output.WriteLine($"{compiled} mutants compiled, {refused} refused with DG0038; slowest generator run {slowest.TotalMilliseconds:F0} ms");
        Assert.InRange(compiled, mutants / 40, mutants - mutants / 10);
    }
}
