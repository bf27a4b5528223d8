using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DenseGen.CompilerServices;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Import;

/// <summary>
/// Mutation fuzzing of the ONNX reader through a network's <c>LoadOnnx</c>: 24,000 mutants of five PyTorch and
/// onnx.helper files (one with SiLU as Sigmoid and Mul) and of a model in Godot RL Agents' form stored out of order
/// (<see cref="OnnxMutator"/>), from a fixed seed; 20,000 more of recurrent exports below. Each mutant either loads, and the network then
/// holds exactly the weights the reader returns for it, or is refused with <see cref="InvalidDataException"/> whose
/// message starts with the file's name, and the network is unchanged. No other exception type may escape; none may
/// take 100 ms. Another 12,000 mutants of PyTorch's LSTM and GRU exports go through <c>ReadOnnx</c> into a recurrent
/// layer the same way, and 8,000 of two PyTorch modules of dense and recurrent layers through a sequence network's <c>LoadOnnx</c>.
/// </summary>
public sealed class OnnxFuzzTests : IDisposable
{
    /// <summary>The most one load may take.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(100);

    private const int Seed = 2026, MutantsPerFile = 4_000;

    /// <summary>Not a file: <see cref="OnnxGraphTests.GodotFormModel"/>, a model in the forms the graph reader folds and sets aside.</summary>
    private const string GodotForm = "godot-form (built)";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "densegen-onnx-fuzz-" + Guid.NewGuid().ToString("N"));

    public OnnxFuzzTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (ITrainable<float> Network, Action<string> Load) Loader<TNetwork>(TNetwork network, Func<TNetwork, Action<string>> load)
        where TNetwork : ITrainable<float> => (network, load(network));

    [Theory]
    [InlineData("mlp.opset17.onnx")]
    [InlineData("mlp.helper.onnx")]
    [InlineData("matmul.opset9.onnx")]
    [InlineData(GodotForm)]
    [InlineData("silu.opset17.onnx")]
    [InlineData("leaky02.opset17.onnx")]
    public void EveryMutantLoadsExactlyOrIsRefusedLeavingTheNetworkAsItWas(string seedFile)
    {
        byte[] seed = seedFile == GodotForm ? OnnxGraphTests.GodotFormModel() : File.ReadAllBytes(OnnxImportTests.Fixture(seedFile));
        (ITrainable<float> network, Action<string> load) = seedFile switch
        {
            _ when seedFile.StartsWith("matmul", StringComparison.Ordinal) => Loader(new TorchMatMulNet(), n => n.LoadOnnx),
            _ when seedFile.StartsWith("silu", StringComparison.Ordinal) => Loader(new TorchSiLU(), n => n.LoadOnnx),
            _ when seedFile.StartsWith("leaky02", StringComparison.Ordinal) => Loader(new TorchLeaky02(), n => n.LoadOnnx),
            _ => Loader(new TorchMlp(), n => n.LoadOnnx),
        };
        var layers = (System.Collections.Generic.IReadOnlyList<LayerDescription>)network.GetType().GetProperty("Architecture")!.GetValue(null)!;
        float[][] before = Parameters(network);
        string path = Path.Combine(_directory, "mutant.onnx");
        File.WriteAllBytes(path, seed);
        load(path); // the seed loads: every refusal below is the mutation's doing
        Restore(network, before);

        var refusedByKind = OnnxMutator.Kinds.ToDictionary(kind => kind, _ => 0);
        int accepted = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int i = 0; i < MutantsPerFile; i++)
        {
            (byte[] mutant, string kind) = OnnxMutator.Mutate(seed, i, Seed);
            File.WriteAllBytes(path, mutant);
            string what = $"{seedFile} mutant {i} ({kind})";
            var clock = Stopwatch.StartNew();
            try
            {
                load(path);
                clock.Stop();
                accepted++;
                float[][] expected = NetworkFile.ParseOnnx<float>(mutant, "m", layers);
                Assert.True(Parameters(network).Zip(expected).All(p => p.First.SequenceEqual(p.Second)), $"{what}: the network does not hold the model's weights");
                Restore(network, before);
            }
            catch (InvalidDataException exception)
            {
                clock.Stop();
                refusedByKind[kind]++;
                Assert.True(exception.Message.StartsWith("mutant.onnx: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
                Assert.True(Parameters(network).Zip(before).All(p => p.First.SequenceEqual(p.Second)), $"{what} changed the network: {exception.Message}");
            }
            catch (Exception exception)
            {
                Assert.Fail($"{what} threw {exception.GetType().Name}, not InvalidDataException: {exception}");
            }
            TimeSpan elapsed = clock.Elapsed;
            if (elapsed >= Budget)
            {
                // Over the budget once: time the same load again. The test process runs other tests on both cores, so one
                // descheduling can cost more than the whole load; a mutant that is really slow is slow both times.
                clock.Restart();
                try { load(path); } catch (InvalidDataException) { }
                elapsed = clock.Elapsed < elapsed ? clock.Elapsed : elapsed;
                Restore(network, before);
            }
            if (elapsed > slowest)
                slowest = elapsed;
        }

        Assert.True(slowest < Budget, $"the slowest mutant took {slowest.TotalMilliseconds:F1} ms");
        // Every kind of mutation reaches a refusal, but two make valid files by design: weights set to NaN, infinities
        // or extremes, and unknown fields nested thousands deep, which protobuf allows and the reader skips unread.
        Assert.All(refusedByKind.Where(pair => pair.Key is not ("float" or "deep-nesting")), pair => Assert.True(pair.Value > 0, $"no {pair.Key} mutant was refused"));
        Assert.Equal(0, refusedByKind["deep-nesting"]);
        Assert.InRange(accepted, 50, MutantsPerFile - 1000);
    }

    /// <summary>
    /// PyTorch's LSTM and GRU exports (a stacked GRU with its Slices and Concat of states), through <c>ReadOnnx</c> into
    /// the layer: each mutant either gives tensors that the layer then holds, or is refused with
    /// <see cref="InvalidDataException"/> starting with the file's name before anything is copied.
    /// </summary>
    [Theory]
    [InlineData("lstm_in3_h40_l1_s1_t200")]
    [InlineData("gru_in3_h40_l2_s1_t200")]
    [InlineData("gru_in1_h8_l1_s1_t1")]
    public void EveryRecurrentMutantLoadsOrIsRefusedLeavingTheLayerAsItWas(string name)
    {
        var fixture = DenseGen.Tests.Recurrent.RecurrentFixture.Read(name);
        IParameterTensors<float> layer = OnnxRecurrentImportTests.LayerFor(fixture.Shape);
        LayerDescription[] layers = OnnxRecurrentImportTests.Describe(layer, fixture);
        byte[] seed = File.ReadAllBytes(Path.Combine(DenseGen.Tests.Recurrent.RecurrentFixture.Folder, name + ".onnx"));
        string path = Path.Combine(_directory, "mutant.onnx");
        void Load()
        {
            float[][] tensors = NetworkFile.ReadOnnx<float>(path, layers);
            for (int t = 0; t < tensors.Length; t++)
                tensors[t].CopyTo(layer.ParameterTensor(t));
        }
        File.WriteAllBytes(path, seed);
        Load(); // the seed loads: every refusal below is the mutation's doing
        float[][] before = [.. Enumerable.Range(0, layer.ParameterTensorCount).Select(t => layer.ParameterTensor(t).ToArray())];

        var refusedByKind = OnnxMutator.Kinds.ToDictionary(kind => kind, _ => 0);
        int accepted = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int i = 0; i < MutantsPerFile; i++)
        {
            (byte[] mutant, string kind) = OnnxMutator.Mutate(seed, i, Seed);
            File.WriteAllBytes(path, mutant);
            string what = $"{name} mutant {i} ({kind})";
            var clock = Stopwatch.StartNew();
            try
            {
                Load();
                clock.Stop();
                accepted++;
                for (int t = 0; t < before.Length; t++)
                    before[t].CopyTo(layer.ParameterTensor(t));
            }
            catch (InvalidDataException exception)
            {
                clock.Stop();
                refusedByKind[kind]++;
                Assert.True(exception.Message.StartsWith("mutant.onnx: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
                Assert.True(Enumerable.Range(0, before.Length).All(t => layer.ParameterTensor(t).SequenceEqual(before[t])), $"{what} changed the layer: {exception.Message}");
            }
            catch (Exception exception)
            {
                Assert.Fail($"{what} threw {exception.GetType().Name}, not InvalidDataException: {exception}");
            }
            TimeSpan elapsed = clock.Elapsed;
            if (elapsed >= Budget)
            {
                // Timed again, as above: one descheduling on the shared cores can cost more than the whole load.
                clock.Restart();
                try { Load(); } catch (InvalidDataException) { }
                elapsed = clock.Elapsed < elapsed ? clock.Elapsed : elapsed;
                for (int t = 0; t < before.Length; t++)
                    before[t].CopyTo(layer.ParameterTensor(t));
            }
            if (elapsed > slowest)
                slowest = elapsed;
        }
        Assert.True(slowest < Budget, $"the slowest mutant took {slowest.TotalMilliseconds:F1} ms");
        Assert.All(refusedByKind.Where(pair => pair.Key is not ("float" or "deep-nesting")), pair => Assert.True(pair.Value > 0, $"no {pair.Key} mutant was refused"));
        Assert.InRange(accepted, 50, MutantsPerFile - 1000);
    }

    /// <summary>
    /// PyTorch modules of dense and recurrent layers exported whole (the recurrent node's zero state computed from the
    /// input's shape, the dense layers as MatMul and Add on three-dimensional data), through the sequence network's
    /// <c>LoadOnnx</c>: each mutant either loads, and the network then holds exactly what the reader returns for it, or is
    /// refused with <see cref="InvalidDataException"/> naming the model, and the network is unchanged.
    /// </summary>
    [Theory]
    [InlineData("network_lstm")]
    [InlineData("network_gru")]
    public void EverySequenceNetworkMutantLoadsOrIsRefusedLeavingTheNetworkAsItWas(string name)
    {
        byte[] seed = File.ReadAllBytes(Path.Combine(DenseGen.Tests.RecurrentLayers.SequenceNetworkTests.FixtureFolder, name + ".onnx"));
        IParameterTensors<double>[] fields;
        Action<byte[]> load;
        if (name == "network_lstm")
        {
            var network = new DenseGen.Tests.RecurrentLayers.TorchLstmNet();
            (fields, load) = ([network.Features, network.Rec, network.Head], network.LoadOnnx);
        }
        else
        {
            var network = new DenseGen.Tests.RecurrentLayers.TorchGruNet();
            (fields, load) = ([network.Features, network.Rec, network.Head], network.LoadOnnx);
        }
        double[][] Snapshot() => [.. fields.SelectMany(field => Enumerable.Range(0, field.ParameterTensorCount).Select(t => field.ParameterTensor(t).ToArray()))];
        void Restore(double[][] tensors)
        {
            int i = 0;
            foreach (IParameterTensors<double> field in fields)
            {
                for (int t = 0; t < field.ParameterTensorCount; t++)
                    tensors[i++].CopyTo(field.ParameterTensor(t));
            }
        }
        load(seed); // the seed loads: every refusal below is the mutation's doing
        double[][] before = Snapshot();

        var refusedByKind = OnnxMutator.Kinds.ToDictionary(kind => kind, _ => 0);
        int accepted = 0;
        TimeSpan slowest = TimeSpan.Zero;
        for (int i = 0; i < MutantsPerFile; i++)
        {
            (byte[] mutant, string kind) = OnnxMutator.Mutate(seed, i, Seed);
            string what = $"{name} mutant {i} ({kind})";
            var clock = Stopwatch.StartNew();
            try
            {
                load(mutant);
                clock.Stop();
                accepted++;
                Restore(before);
            }
            catch (InvalidDataException exception)
            {
                clock.Stop();
                refusedByKind[kind]++;
                Assert.True(exception.Message.StartsWith("the ONNX model: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
                double[][] after = Snapshot();
                Assert.True(Enumerable.Range(0, before.Length).All(t => after[t].SequenceEqual(before[t])), $"{what} changed the network: {exception.Message}");
            }
            catch (Exception exception)
            {
                Assert.Fail($"{what} threw {exception.GetType().Name}, not InvalidDataException: {exception}");
            }
            TimeSpan elapsed = clock.Elapsed;
            if (elapsed >= Budget)
            {
                // Timed again, as above: one descheduling on the shared cores can cost more than the whole load.
                clock.Restart();
                try { load(mutant); } catch (InvalidDataException) { }
                elapsed = clock.Elapsed < elapsed ? clock.Elapsed : elapsed;
                Restore(before);
            }
            if (elapsed > slowest)
                slowest = elapsed;
        }
        Assert.True(slowest < Budget, $"the slowest mutant took {slowest.TotalMilliseconds:F1} ms");
        Assert.All(refusedByKind.Where(pair => pair.Key is not ("float" or "deep-nesting")), pair => Assert.True(pair.Value > 0, $"no {pair.Key} mutant was refused"));
        Assert.InRange(accepted, 50, MutantsPerFile - 1000);
    }

    private static float[][] Parameters(ITrainable<float> network) =>
        Enumerable.Range(0, network.ParameterTensorCount).Select(i => network.ParameterTensor(i).ToArray()).ToArray();

    private static void Restore(ITrainable<float> network, float[][] parameters)
    {
        for (int i = 0; i < parameters.Length; i++)
            parameters[i].CopyTo(network.ParameterTensor(i));
    }
}
