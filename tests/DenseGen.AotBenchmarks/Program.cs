using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.NativeAot;
using DenseGen;
using DenseGen.AotBenchmarks;

// Four builds of the same benchmark, each in its own process: the JIT with its widest vectors (Vector512 here),
// the JIT held to Vector256 (AVX-512 off), NativeAOT at x86-64-v2 and NativeAOT at x86-64-v3 (AVX2 and FMA:
// Vector256). x86-64-v2 is what a default AOT publish targets (a default build reports Vector128 accelerated,
// Vector256 not, no FMA); BenchmarkDotNet would otherwise compile for the machine it runs on, so both
// instruction sets are named. The machine has no clang, so the native link uses gcc.
var gcc = new MsBuildArgument("/p:CppCompilerAndLinker=gcc");
IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default.WithRuntime(CoreRuntime.Core10_0).WithId("JIT").AsBaseline())
    .AddJob(Job.Default.WithRuntime(CoreRuntime.Core10_0).WithEnvironmentVariable("DOTNET_EnableAVX512", "0").WithId("JIT Vector256"))
    .AddJob(Job.Default.WithToolchain(NativeAotToolchain.CreateBuilder().UseNuGet().IlcInstructionSet("x86-64-v2").TargetFrameworkMoniker("net10.0").ToToolchain())
        .WithArguments([gcc]).WithId("AOT x86-64-v2"))
    .AddJob(Job.Default.WithToolchain(NativeAotToolchain.CreateBuilder().UseNuGet().IlcInstructionSet("x86-64-v3").TargetFrameworkMoniker("net10.0").ToToolchain())
        .WithArguments([gcc]).WithId("AOT x86-64-v3"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median)
    .HideColumns(Column.Error, Column.StdDev);
BenchmarkSwitcher.FromAssembly(typeof(AotLayerBenchmarks).Assembly).Run(args, config);

namespace DenseGen.AotBenchmarks
{
    [Dense(In = 784, Out = 128)]
    public partial struct Layer784x128;

    /// <summary>784→128, one sample and 64: Forward, and Forward plus an accumulating Backward.</summary>
    public class AotLayerBenchmarks
    {
        private Layer784x128 _layer;
        private float[] _input = [], _output = [], _outputGradient = [], _inputGradient = [];

        [Params(1, 64)]
        public int Batch { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            Initializer.Initialize<float, Layer784x128>(ref _layer, Initialization.PyTorchDefault, seed: 1);
            var random = new SeededRandom(2);
            _input = new float[Batch * Layer784x128.InputSize];
            _outputGradient = new float[Batch * Layer784x128.OutputSize];
            for (int i = 0; i < _input.Length; i++) _input[i] = (float)random.NextDouble();
            for (int i = 0; i < _outputGradient.Length; i++) _outputGradient[i] = (float)(2 * random.NextDouble() - 1);
            _output = new float[Batch * Layer784x128.OutputSize];
            _inputGradient = new float[Batch * Layer784x128.InputSize];
        }

        [Benchmark]
        public void Forward() => _layer.Forward(_input, _output);

        [Benchmark]
        public void ForwardBackward()
        {
            _layer.Forward(_input, _output);
            _layer.Backward(_input, _outputGradient, _inputGradient);
        }
    }
}
