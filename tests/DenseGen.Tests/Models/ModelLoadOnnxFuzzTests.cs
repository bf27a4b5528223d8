using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DenseGen.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace DenseGen.Tests.Models;

/// <summary>
/// Mutation fuzzing of an <c>[OnnxModel]</c> class's <c>LoadOnnx</c>: 16,000 mutants (<see cref="OnnxMutator"/>, from a
/// fixed seed) of four models it was compiled from: ML-Agents' hybrid head (two normalizers, a mask, constant outputs),
/// the shapes export (a standard deviation folded from an initializer), a built policy whose clamp divisor and mask
/// constants are scalar initializers, and PyTorch's export of an LSTM with a linear head at every step (its <c>W</c>,
/// <c>R</c> and <c>B</c> reordered into PyTorch's gate order as they load). Each mutant either loads, and the model
/// then computes exactly what a model given the reader's arrays for that file computes, or is refused with
/// <see cref="InvalidDataException"/> whose message starts with the source's name, and the model computes what it did
/// before. No other exception type may escape; no load may take 100 ms.
/// </summary>
public sealed class ModelLoadOnnxFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(100);

    private const int Seed = 2027, MutantsPerFile = 4_000;

    /// <summary>Loaded mutants per file that are also compiled, to hold the reader to the generator (each compile takes a second or two).</summary>
    private const int CompiledPerFile = 4;

    [Theory]
    [InlineData("mlagents_hybrid.opset17.onnx")]
    [InlineData("shapes.opset13.onnx")]
    [InlineData(ModelLoadOnnxTests.Built)]
    [InlineData("lstm_in1_h16_residual1_s3_t100.onnx")]
    public void EveryMutantLoadsExactlyOrIsRefusedLeavingTheModelAsItWas(string file)
    {
        byte[] seed = ModelLoadOnnxTests.Bytes(file);
        ModelLoadOnnxTests.Form form = ModelLoadOnnxTests.FormOf(file);
        Type runner = ModelLoadOnnxTests.Compile(seed, form);
        object model = ModelLoadOnnxTests.Create(runner), check = ModelLoadOnnxTests.Create(runner);
        var recipe = (OnnxModelRecipe)runner.GetMethod("Recipe")!.Invoke(null, null)!;
        (float[][] inputs, _) = ModelLoadOnnxTests.Inputs(runner, form, new Random(1), samples: 8);
        ModelLoadOnnxTests.Load(runner, model, seed, "", 0); // the seed loads: every refusal below is the mutation's doing
        int[][] before = Outputs(model);

        var refusedByKind = OnnxMutator.Kinds.ToDictionary(kind => kind, _ => 0);
        var compileChecks = new System.Collections.Generic.List<(byte[] Mutant, string What)>();
        int accepted = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int i = 0; i < MutantsPerFile; i++)
        {
            (byte[] mutant, string kind) = OnnxMutator.Mutate(seed, i, Seed);
            string what = $"{file} mutant {i} ({kind})";
            var clock = Stopwatch.StartNew();
            try
            {
                ModelLoadOnnxTests.Load(runner, model, mutant, "", 0);
                clock.Stop();
                accepted++;
                if (kind != "float" && compileChecks.Count < CompiledPerFile)
                    compileChecks.Add((mutant, what));
                runner.GetMethod("SetLoaded")!.Invoke(null, [check, OnnxModelFile.Parse(mutant, "m", recipe)]);
                Assert.True(Outputs(model).Zip(Outputs(check)).All(p => p.First.SequenceEqual(p.Second)), $"{what}: the model does not compute with the reader's values");
                ModelLoadOnnxTests.Load(runner, model, seed, "", 0);
            }
            catch (InvalidDataException exception)
            {
                clock.Stop();
                refusedByKind[kind]++;
                Assert.True(exception.Message.StartsWith("the ONNX model: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
                Assert.True(Outputs(model).Zip(before).All(p => p.First.SequenceEqual(p.Second)), $"{what} changed the model: {exception.Message}");
            }
            catch (Exception exception)
            {
                Assert.Fail($"{what} threw {exception.GetType().Name}, not InvalidDataException: {exception}");
            }
            TimeSpan elapsed = clock.Elapsed;
            if (elapsed >= Budget)
            {
                // Over the budget once: time the same load again, as the reader's fuzz test does (one descheduling on a
                // busy 2-core machine can cost more than the load; a really slow mutant is slow both times).
                clock.Restart();
                try { ModelLoadOnnxTests.Load(runner, check, mutant, "", 0); } catch (InvalidDataException) { }
                elapsed = clock.Elapsed < elapsed ? clock.Elapsed : elapsed;
            }
            if (elapsed > slowest)
                slowest = elapsed;
        }

        output.WriteLine($"{file}: {accepted} of {MutantsPerFile} mutants loaded; refused by kind: {string.Join(", ", refusedByKind.Select(p => p.Key + " " + p.Value))}; slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.True(slowest < Budget, $"the slowest mutant took {slowest.TotalMilliseconds:F1} ms");
        // Mutations that change only weights load, and every other kind reaches a refusal somewhere, but two make valid
        // files by design: floats set to NaN or extremes, and unknown fields nested deep, which the reader skips unread.
        Assert.All(refusedByKind.Where(pair => pair.Key is not ("float" or "deep-nesting")), pair => Assert.True(pair.Value > 0, $"no {pair.Key} mutant was refused"));
        Assert.InRange(accepted, 50, MutantsPerFile - 1000);

        // The check above holds LoadOnnx to the reader; this holds the reader to the generator. A mutant that loads
        // although more than its weights changed must compute what compiling it computes, or be one the generator refuses.
        foreach ((byte[] mutant, string what) in compileChecks)
        {
            (Microsoft.CodeAnalysis.GeneratorRunResult result, _) = ModelHarness.Generate(mutant, ModelHarness.Declaration());
            if (result.Diagnostics.Any(d => d.Id == "DG0038"))
                continue;
            Type compiled = ModelLoadOnnxTests.Compile(mutant, form);
            ModelLoadOnnxTests.Load(runner, check, mutant, "", 0);
            int[][] expected = ModelLoadOnnxTests.Run(compiled, ModelLoadOnnxTests.Create(compiled), form, inputs).Select(ModelLoadOnnxTests.Bits).ToArray();
            Assert.True(Outputs(check).Zip(expected).All(p => p.First.SequenceEqual(p.Second)), $"{what}: loaded, it computes otherwise than the class compiled from it");
        }
        output.WriteLine($"{file}: {compileChecks.Count} loaded mutants of other kinds than float compiled and compared");

        int[][] Outputs(object instance) => ModelLoadOnnxTests.Run(runner, instance, form, inputs).Select(ModelLoadOnnxTests.Bits).ToArray();
    }
}
