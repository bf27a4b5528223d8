using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Reports;

namespace DenseGen.Benchmarks;

/// <summary>
/// The medians of a <see cref="RecurrentStepBenchmarks{TCell, THead}"/> run (one summary per size) as one Markdown table,
/// a row per kind and size, with the ratios that compare figures from the same run: DenseGen over its read floor, each peer over DenseGen.
/// </summary>
public static class RecurrentStepTable
{
    private static bool IsRecurrentStep(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(RecurrentStepBenchmarks<,>);

    /// <summary>Prints the table when any of <paramref name="summaries"/> holds the benchmark's cases.</summary>
    public static void Print(IReadOnlyList<Summary> summaries)
    {
        BenchmarkReport[] reports = summaries.SelectMany(s => s.Reports).Where(r => IsRecurrentStep(r.BenchmarkCase.Descriptor.Type)).ToArray();
        if (reports.Length == 0)
            return;
        // LSTM before GRU, then by size as RTNeural lists them: Hidden, then In.
        Type[] cases = reports.Select(r => r.BenchmarkCase.Descriptor.Type).Distinct()
            .Select(type => type.GetGenericArguments()[0])
            .OrderBy(cell => cell.IsDefined(typeof(LstmAttribute), inherit: false) ? 0 : 1)
            .ThenBy(cell => Constant(cell, "HiddenSize")).ThenBy(cell => Constant(cell, "InputSize"))
            .Select(cell => reports.First(r => r.BenchmarkCase.Descriptor.Type.GetGenericArguments()[0] == cell).BenchmarkCase.Descriptor.Type)
            .ToArray();
        Console.WriteLine();
        Console.WriteLine("ns per streamed step, one stream (medians); the floor reads every weight of both layers once; peer ratios are peer / DenseGen.");
        Console.WriteLine();
        Console.WriteLine("| kind | In | Hidden | weights | DenseGen | floor | DenseGen / floor | step only | head only | TorchSharp | ratio | TorchSharp cell | ratio | ONNX Runtime | ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (Type type in cases)
        {
            Type cell = type.GetGenericArguments()[0];
            bool lstm = cell.IsDefined(typeof(LstmAttribute), inherit: false);
            int inputs = Constant(cell, "InputSize"), hidden = Constant(cell, "HiddenSize"), gates = lstm ? 4 : 3;
            long weights = (long)gates * hidden * (inputs + hidden) + 2L * gates * hidden + hidden + 1;
            double Median(string method) => reports
                .FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == type && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)?
                .ResultStatistics?.Median ?? double.NaN;
            double denseGen = Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.DenseGen));
            double floor = Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.Floor_WeightsRead));
            double torchSharp = Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.TorchSharp));
            double torchSharpCell = Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.TorchSharp_Cell));
            double onnxRuntime = Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.OnnxRuntime));
            Console.WriteLine(string.Join(" | ", [
                $"| {(lstm ? "LSTM" : "GRU")}", $"{inputs}", $"{hidden}", $"{F(weights * 4 / 1024.0, 1)} KiB",
                F(denseGen, 0), F(floor, 1), $"{F(denseGen / floor, 1)}×",
                F(Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.DenseGen_StepOnly)), 0),
                F(Median(nameof(RecurrentStepBenchmarks<LstmIn1Hidden8, AmpHead8>.DenseGen_HeadOnly)), 1),
                F(torchSharp, 0), $"{F(torchSharp / denseGen, 1)}×",
                F(torchSharpCell, 0), $"{F(torchSharpCell / denseGen, 1)}×",
                F(onnxRuntime, 0), $"{F(onnxRuntime / denseGen, 2)}× |"]));
        }
    }

    private static int Constant(Type type, string name) => (int)type.GetField(name)!.GetRawConstantValue()!;

    private static string F(double value, int digits) => value.ToString("N" + digits, CultureInfo.InvariantCulture);
}
