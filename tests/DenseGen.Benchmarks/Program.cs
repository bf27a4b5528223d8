using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using DenseGen.Benchmarks;

// In process: every implementation runs in this one process, and TorchSharp's native library is prepared once
// (LibTorchLoader) rather than in each of BenchmarkDotNet's generated child projects.
// "--quick" trades precision for time while iterating on a kernel; published figures use the full job.
LibTorchLoader.PrepareNativeLibrary();
if (args is [TorchSharpMnistReference.Command])
{
    TorchSharpMnistReference.Run();
    return;
}
if (args is [TorchSharpNetworkParity.Command, string parityFile])
{
    TorchSharpNetworkParity.Write(parityFile);
    return;
}
bool quick = args.Contains("--quick");
// "--deterministic-switch" turns DenseGen's deterministic mode on for the runtime's functions in this whole run (the
// switch is read once per process, and every benchmark runs in this one).
if (args.Contains("--deterministic-switch"))
{
    System.AppContext.SetSwitch(DenseGen.DeterministicMode.SwitchName, true);
    System.Console.WriteLine($"DenseGen.Deterministic switch on: {DenseGen.DeterministicMode.IsEnabled}");
}
args = args.Where(a => a != "--quick" && a != "--deterministic-switch").ToArray();
IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithWarmupCount(quick ? 2 : 5)
        .WithIterationCount(quick ? 5 : 15)
        .WithId("InProcess"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median)
    .AddColumn(LimitColumn.Rate, LimitColumn.OfLimit)
    .HideColumns(Column.Error, Column.StdDev);
Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(LayerBenchmarks<>).Assembly).Run(args, config).ToArray();
foreach (Summary summary in summaries)
{
    if (summary.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(LimitBenchmarks)))
        TargetTable.Print(summary);
}
// One summary per size of the generic class: one table over all of them.
RecurrentStepTable.Print(summaries);
