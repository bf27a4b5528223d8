using System;
using System.IO;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Networks;

/// <summary>
/// A DenseGen network against PyTorch's <c>nn.Sequential</c> of the same layers, through TorchSharp (libtorch 2.10):
/// the benchmarks program, which carries TorchSharp, builds the model with PyTorch's own initialization, runs it
/// forward and backward and writes everything to a safetensors file. DenseGen loads that file's <c>state_dict()</c>
/// names as they are, and both sides' outputs and gradients must lie within the float bound of a double reference
/// of the chain (<see cref="ChainReference"/>), so they are within twice that bound of each other.
/// </summary>
[Trait("Category", "Integration")]
public class TorchParityTests
{
    private static readonly string[] ParameterNames = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"];

    [Fact]
    public void PyTorchSequentialAndADenseGenNetworkAgreeWithinTheFloatBound()
    {
        string directory = Path.Combine(Path.GetTempPath(), "densegen-parity-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string torchFile = Path.Combine(directory, "torch.safetensors");
            // Fails rather than skips when the program or libtorch is missing: CI builds the whole solution first.
            string program = BenchmarksProgram();
            (int exitCode, string output) = DotnetHost.Run([program, "--torchsharp-parity", torchFile], TimeSpan.FromMinutes(3));
            Assert.True(exitCode == 0, $"the TorchSharp side failed ({exitCode}):\n{output}");
            SafeTensorsFile torch = SafeTensorsFile.Read(torchFile);

            // PyTorch's state_dict() names load as they are; the file's inputs and gradients are extra tensors.
            var network = new TorchNamedNet();
            network.Load(torchFile, strict: false);
            // Strict loading refuses them, naming the first in ordinal order.
            Assert.Contains("'0.bias.grad'", Assert.Throws<InvalidDataException>(() => new TorchNamedNet().Load(torchFile)).Message, StringComparison.Ordinal);

            // And what DenseGen saves has exactly the names and shapes of that state_dict().
            string saved = Path.Combine(directory, "densegen.safetensors");
            network.Save(saved);
            Assert.Equal(
                ParameterNames.Select(name => (name, string.Join("x", torch.Tensors[name].Shape))).Order(),
                SafeTensorsFile.Read(saved).Tensors.Select(t => (t.Key, string.Join("x", t.Value.Shape))).Order());

            float[] x = Tensor(torch, "input"), outputGradient = Tensor(torch, "output_gradient");
            var y = new float[outputGradient.Length];
            var dx = new float[x.Length];
            network.Forward(x, y);
            network.Backward(x, outputGradient, dx);

            ChainReference.LayerValues[] layers = [ChainReference.Layer(network.First), ChainReference.Layer(network.Second), ChainReference.Layer(network.Third)];
            ChainReference.Chain chain = ChainReference.Compute(ErrorBound.FloatRoundoff, LayerChecks.Wide(x), LayerChecks.Wide(outputGradient), layers);
            IDenseParameters<float>[] denseGen = [network.First, network.Second, network.Third];
            foreach ((string side, Func<string, float[]> read) in new (string, Func<string, float[]>)[]
            {
                ("PyTorch", name => Tensor(torch, name)),
                ("DenseGen", name => name switch
                {
                    "output" => y,
                    "input.grad" => dx,
                    _ => name.EndsWith(".weight.grad", StringComparison.Ordinal)
                        ? denseGen[int.Parse(name[..1]) / 2].WeightGradients.ToArray()
                        : denseGen[int.Parse(name[..1]) / 2].BiasGradients.ToArray(),
                }),
            })
            {
                ChainReference.AssertWithin(LayerChecks.Wide(read("output")), chain.Output, chain.OutputError, side + " output");
                ChainReference.AssertWithin(LayerChecks.Wide(read("input.grad")), chain.InputGradient, chain.InputGradientError, side + " input gradient");
                for (int l = 0; l < 3; l++)
                {
                    ChainReference.AssertWithin(LayerChecks.Wide(read($"{2 * l}.weight.grad")), chain.WeightGradients[l], chain.WeightGradientErrors[l], $"{side} {2 * l}.weight.grad");
                    ChainReference.AssertWithin(LayerChecks.Wide(read($"{2 * l}.bias.grad")), chain.BiasGradients[l], chain.BiasGradientErrors[l], $"{side} {2 * l}.bias.grad");
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static float[] Tensor(SafeTensorsFile file, string name)
    {
        var values = new float[(file.Tensors[name].End - file.Tensors[name].Begin) / sizeof(float)];
        file.CopyTo(name, values.AsSpan());
        return values;
    }

    /// <summary>tests/DenseGen.Benchmarks' program, built in the same configuration as this assembly.</summary>
    private static string BenchmarksProgram()
    {
        // This assembly sits in tests/DenseGen.Tests/bin/{Configuration}/{TargetFramework}/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name, configuration = here.Parent!.Name;
        string tests = here.Parent!.Parent!.Parent!.Parent!.FullName;
        string program = Path.Combine(tests, "DenseGen.Benchmarks", "bin", configuration, framework, "DenseGen.Benchmarks.dll");
        Assert.True(File.Exists(program), $"{program} is missing: build the solution (dotnet build DenseGen.sln) before running this test.");
        return program;
    }
}
