using System;
using System.Globalization;
using BenchmarkDotNet.Reports;

namespace DenseGen.Benchmarks;

/// <summary>Prints the kernel targets, measured and met or not, from one <see cref="LimitBenchmarks"/> summary (Markdown).</summary>
public static class TargetTable
{
    public static void Print(Summary summary)
    {
        var m = new LimitMeasurements(summary);
        double p12 = m.GigaflopsPerSecond(nameof(LimitBenchmarks.Peak_Fma12)), p24 = m.GigaflopsPerSecond(nameof(LimitBenchmarks.Peak_Fma24));
        Console.WriteLine();
        Console.WriteLine($"Machine limits: FMA peak {F(p12, 1)} GFLOP/s with 12 chains, {F(p24, 1)} with {Roofline.CrossCheckChains} ({F(Math.Abs(p12 / p24 - 1) * 100, 1)}% apart; {Roofline.Lanes} lanes);");
        Console.WriteLine($"reading the 784×128 weights {F(m.Median(nameof(LimitBenchmarks.Floor_Read)) / 1000, 3)} µs, reading them while updating a gradient {F(m.Median(nameof(LimitBenchmarks.Floor_ReadWhileUpdating)) / 1000, 3)} µs.");
        Console.WriteLine();
        Console.WriteLine("| what | measured | target | met |");
        Console.WriteLine("| --- | ---: | --- | --- |");
        Share("784→128 batch 64 `Forward`", nameof(LimitBenchmarks.Layer784x128_Forward_Batch64), 0.90);
        Share("784→128 batch 64 `Forward`+`Backward`", nameof(LimitBenchmarks.Layer784x128_ForwardBackward_Batch64), 0.80);
        Floor("784→128 batch 1 `Forward`", nameof(LimitBenchmarks.Layer784x128_Forward_Batch1), 1.2);
        Floor("784→128 batch 1 `Forward`+`Backward`", nameof(LimitBenchmarks.Layer784x128_ForwardBackward_Batch1), 1.15);
        Faster("MLP vs ONNX Runtime, batch 1", nameof(LimitBenchmarks.Mlp_OnnxRuntime_Batch1), nameof(LimitBenchmarks.Mlp_DenseGen_Batch1), 1.8);
        Faster("MLP vs ONNX Runtime, batch 64", nameof(LimitBenchmarks.Mlp_OnnxRuntime_Batch64), nameof(LimitBenchmarks.Mlp_DenseGen_Batch64), 1.0);
        Faster("MLP vs ONNX Runtime, batch 1,024", nameof(LimitBenchmarks.Mlp_OnnxRuntime_Batch1024), nameof(LimitBenchmarks.Mlp_DenseGen_Batch1024), 1.0);
        Faster("MNIST epoch vs TorchSharp", nameof(LimitBenchmarks.Epoch_TorchSharp), nameof(LimitBenchmarks.Epoch_DenseGen), 3.0);
        Share("MNIST epoch, share of peak", nameof(LimitBenchmarks.Epoch_DenseGen), 0.55);
        Faster("16→16 batch 1 `Forward` vs TensorPrimitives", nameof(LimitBenchmarks.Layer16x16_Forward_TensorPrimitives), nameof(LimitBenchmarks.Layer16x16_Forward_DenseGen), 3.0);
        Faster("16→16 batch 1 `Forward`+`Backward` vs TensorPrimitives", nameof(LimitBenchmarks.Layer16x16_ForwardBackward_TensorPrimitives), nameof(LimitBenchmarks.Layer16x16_ForwardBackward_DenseGen), 5.0);

        void Share(string what, string method, double target)
        {
            double share = m.ShareOfPeak(method);
            Row(what, $"{F(share * 100, 1)}% of peak ({F(m.GigaflopsPerSecond(method), 1)} GFLOP/s)", $"≥ {F(target * 100, 0)}%", share >= target);
        }

        void Floor(string what, string method, double target)
        {
            double times = m.TimesFloor(method);
            Row(what, $"{F(times, 2)}× floor ({F(m.Median(method) / 1000, 3)} µs)", $"≤ {F(target, 2)}×", times <= target);
        }

        void Faster(string what, string peer, string ours, double target)
        {
            double ratio = m.Median(peer) / m.Median(ours);
            Row(what, $"{F(ratio, 2)}× ({F(m.Median(ours) / 1000, 3)} vs {F(m.Median(peer) / 1000, 3)} µs)", $"≥ {F(target, 1)}×", ratio >= target);
        }
    }

    private static void Row(string what, string measured, string target, bool met) =>
        Console.WriteLine($"| {what} | {measured} | {target} | {(met ? "yes" : "**no**")} |");

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
