using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DenseGen.Benchmarks;

/// <summary>
/// Medians of a <see cref="LimitBenchmarks"/> run turned into rates and ratios: the peak is the faster of the two
/// fused multiply-add loops, the floors the two read loops, all from the same summary.
/// </summary>
public sealed class LimitMeasurements
{
    private readonly Summary _summary;

    public LimitMeasurements(Summary summary) => _summary = summary;

    /// <summary>The median in nanoseconds of the row named <paramref name="method"/>, or NaN when it did not run.</summary>
    public double Median(string method)
    {
        BenchmarkReport? report = _summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        return report?.ResultStatistics?.Median ?? double.NaN;
    }

    /// <summary>GFLOP/s of a row with a known operation count (flops per nanosecond).</summary>
    public double GigaflopsPerSecond(string method) =>
        LimitBenchmarks.Work.TryGetValue(method, out RowWork work) && work.Flops > 0 ? work.Flops / Median(method) : double.NaN;

    /// <summary>The machine's fp32 fused multiply-add peak in GFLOP/s: the faster of the two peak loops.</summary>
    public double PeakGigaflopsPerSecond => Math.Max(GigaflopsPerSecond(nameof(LimitBenchmarks.Peak_Fma12)), GigaflopsPerSecond(nameof(LimitBenchmarks.Peak_Fma24)));

    /// <summary>A row's share of the peak, 0–1.</summary>
    public double ShareOfPeak(string method) => GigaflopsPerSecond(method) / PeakGigaflopsPerSecond;

    /// <summary>The floor time in nanoseconds of a one-sample row.</summary>
    public double FloorNanoseconds(Floor floor) => floor switch
    {
        Floor.Read => Median(nameof(LimitBenchmarks.Floor_Read)),
        Floor.ReadThenReadWhileUpdating => Median(nameof(LimitBenchmarks.Floor_Read)) + Median(nameof(LimitBenchmarks.Floor_ReadWhileUpdating)),
        _ => double.NaN,
    };

    /// <summary>A one-sample row's time over its memory floor.</summary>
    public double TimesFloor(string method) =>
        LimitBenchmarks.Work.TryGetValue(method, out RowWork work) ? Median(method) / FloorNanoseconds(work.Floor) : double.NaN;
}

/// <summary>A column of <see cref="LimitBenchmarks"/>: GFLOP/s, or the share of the peak / multiple of the floor.</summary>
public sealed class LimitColumn : IColumn
{
    private readonly bool _ratio;

    private LimitColumn(bool ratio) => _ratio = ratio;

    public static readonly IColumn Rate = new LimitColumn(ratio: false);
    public static readonly IColumn OfLimit = new LimitColumn(ratio: true);

    public string Id => _ratio ? "DenseGen.OfLimit" : "DenseGen.Gflops";
    public string ColumnName => _ratio ? "of limit" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => _ratio ? 1 : 0;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => _ratio
        ? "One-sample rows: median over the memory floor (× floor). Batched rows: GFLOP/s over the faster peak loop (% of peak)."
        : "Floating-point operations per second, from the median and the row's operation count.";

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(LimitBenchmarks));

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        if (!LimitBenchmarks.Work.TryGetValue(method, out RowWork work))
            return "-";
        var limits = new LimitMeasurements(summary);
        if (!_ratio)
            return work.Flops > 0 ? limits.GigaflopsPerSecond(method).ToString("F1", CultureInfo.InvariantCulture) : "-";
        if (work.Floor != Floor.None)
            return limits.TimesFloor(method).ToString("F2", CultureInfo.InvariantCulture) + "× floor";
        return work.Flops > 0 ? limits.ShareOfPeak(method).ToString("P0", CultureInfo.InvariantCulture) + " of peak" : "-";
    }

    public override string ToString() => ColumnName;
}
