using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Networks;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>
/// Mutation fuzzing of the safetensors loader through a network's <c>Load</c>, as a user meets it: 12,000 mutants of
/// two valid files (one DenseGen wrote, one in PyTorch's form), from a fixed seed. Each mutant either loads, and the
/// network then holds exactly the file's tensors, or is refused with <see cref="InvalidDataException"/> whose message
/// starts with the file's name, and the network is unchanged. No other exception type may escape; none may take
/// 100 ms.
/// </summary>
public sealed class SafeTensorsFuzzTests : IDisposable
{
    /// <summary>The most one load may take.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(100);

    public const int Seed = 2026;

    public const int MutantsPerFile = 6_000;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "densegen-fuzz-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsFuzzTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The files mutated: DenseGen's own (F32, the architecture in its metadata) and PyTorch's form (F64, keys in another order, no architecture).</summary>
    internal static IEnumerable<(string Name, byte[] Bytes)> SeedFiles(string directory)
    {
        var network = new ThreeLayerNet();
        network.Initialize(seed: 11);
        string path = Path.Combine(directory, "seed.safetensors");
        network.Save(path);
        yield return ("densegen", File.ReadAllBytes(path));
        yield return ("pytorch", PyTorchStyleFile(network));
    }

    [Fact]
    public void EveryMutantLoadsExactlyOrIsRefusedLeavingTheNetworkAsItWas()
    {
        string path = Path.Combine(_directory, "mutant.safetensors");
        var network = new ThreeLayerNet();
        network.Initialize(seed: 12);
        float[][] before = Parameters(network);
        var refusedByKind = SafeTensorsMutator.Kinds.ToDictionary(kind => kind, _ => 0);
        int accepted = 0, refused = 0;
        TimeSpan slowest = TimeSpan.Zero;
        foreach ((string seedName, byte[] seedBytes) in SeedFiles(_directory))
        {
            // The unmutated file loads: every refusal below is the mutation's doing.
            File.WriteAllBytes(path, seedBytes);
            network.Load(path);
            Restore(network, before);

            for (int i = 0; i < MutantsPerFile; i++)
            {
                (byte[] mutant, string kind) = SafeTensorsMutator.Mutate(seedBytes, i, Seed);
                File.WriteAllBytes(path, mutant);
                string what = $"{seedName} mutant {i} ({kind})";
                var clock = Stopwatch.StartNew();
                try
                {
                    network.Load(path);
                    clock.Stop();
                    accepted++;
                    AssertHoldsTheFile(network, path, what);
                    Restore(network, before);
                }
                catch (InvalidDataException exception)
                {
                    clock.Stop();
                    refused++;
                    refusedByKind[kind]++;
                    Assert.True(exception.Message.StartsWith("mutant.safetensors: ", StringComparison.Ordinal), $"{what}: {exception.Message}");
                    Assert.True(exception.Message.Length > "mutant.safetensors: ".Length + 10, $"{what}: the message says what is wrong");
                    Assert.True(Parameters(network).Zip(before).All(pair => pair.First.SequenceEqual(pair.Second)), $"{what} changed the network: {exception.Message}");
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
                    try { network.Load(path); } catch (InvalidDataException) { }
                    elapsed = clock.Elapsed < elapsed ? clock.Elapsed : elapsed;
                    Restore(network, before);
                }
                if (elapsed > slowest)
                    slowest = elapsed;
            }
        }

        Assert.Equal(2 * MutantsPerFile, accepted + refused);
        Assert.True(slowest < Budget, $"the slowest mutant took {slowest.TotalMilliseconds:F1} ms");
        // Every kind of mutation reaches a refusal, and flips in the data section load (as they should: any bytes are floats).
        Assert.All(refusedByKind, pair => Assert.True(pair.Value > 0, $"no {pair.Key} mutant was refused"));
        Assert.InRange(accepted, 100, 2 * MutantsPerFile - 1000);
    }

    private static void AssertHoldsTheFile(ThreeLayerNet network, string path, string what)
    {
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        foreach ((string name, float[] actual) in new[] { "first", "second", "third" }.Zip(Parameters(network).Chunk(2))
            .SelectMany(pair => new[] { (pair.First + ".weight", pair.Second[0]), (pair.First + ".bias", pair.Second[1]) }))
        {
            var expected = new float[actual.Length];
            file.CopyTo(name, expected.AsSpan());
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what}: {name} differs from the file");
        }
    }

    private static float[][] Parameters(ThreeLayerNet network) =>
    [
        network.First.Weights.ToArray(), network.First.Bias.ToArray(),
        network.Second.Weights.ToArray(), network.Second.Bias.ToArray(),
        network.Third.Weights.ToArray(), network.Third.Bias.ToArray(),
    ];

    private static void Restore(ThreeLayerNet network, float[][] parameters)
    {
        parameters[0].CopyTo(network.First.Weights);
        parameters[1].CopyTo(network.First.Bias);
        parameters[2].CopyTo(network.Second.Weights);
        parameters[3].CopyTo(network.Second.Bias);
        parameters[4].CopyTo(network.Third.Weights);
        parameters[5].CopyTo(network.Third.Bias);
    }

    /// <summary>The network's tensors as PyTorch's <c>save_file</c> of a double state dict would write them: F64, sorted keys, only "format" metadata.</summary>
    private static byte[] PyTorchStyleFile(ThreeLayerNet network)
    {
        float[][] parameters = Parameters(network);
        string[] names = ["first.weight", "first.bias", "second.weight", "second.bias", "third.weight", "third.bias"];
        int[][] shapes = [[9, 13], [9], [7, 9], [7], [3, 7], [3]];
        var order = Enumerable.Range(0, names.Length).OrderBy(i => names[i], StringComparer.Ordinal).ToArray();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new List<byte>();
        foreach (int i in order)
        {
            header.Append($",\"{names[i]}\":{{\"dtype\":\"F64\",\"shape\":[{string.Join(",", shapes[i])}],\"data_offsets\":[{data.Count},{data.Count + 8 * parameters[i].Length}]}}");
            foreach (float value in parameters[i])
                data.AddRange(BitConverter.GetBytes((double)value));
        }
        header.Append('}');
        while (header.Length % 8 != 0)
            header.Append(' ');
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        return [.. BitConverter.GetBytes((ulong)headerBytes.Length), .. headerBytes, .. data];
    }
}
