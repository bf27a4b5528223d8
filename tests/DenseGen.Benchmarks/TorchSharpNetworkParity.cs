using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace DenseGen.Benchmarks;

/// <summary>
/// PyTorch's side of the network parity test (DenseGen.Tests' TorchParityTests): builds
/// <c>nn.Sequential(Linear(13, 9), ReLU, Linear(9, 7), Tanh, Linear(7, 3))</c> with PyTorch's own initialization,
/// runs 5 samples forward and, for the loss <c>Σ y ⊙ c</c> (so ∂L/∂y = c), backward, and writes to a safetensors file
/// the model's <c>state_dict()</c> under its own names, the inputs, <c>c</c>, the outputs and every gradient PyTorch
/// computed (<c>{parameter}.grad</c>, <c>input.grad</c>). The test then loads the same weights into a DenseGen network
/// and compares. Run by the test as <c>dotnet DenseGen.Benchmarks.dll --torchsharp-parity FILE</c>.
/// </summary>
public static class TorchSharpNetworkParity
{
    public const string Command = "--torchsharp-parity";

    private const int Samples = 5;

    public static void Write(string path)
    {
        torch.set_num_threads(1);
        torch.manual_seed(7);
        using var model = nn.Sequential(
            ("0", nn.Linear(13, 9)), ("1", nn.ReLU()), ("2", nn.Linear(9, 7)), ("3", nn.Tanh()), ("4", nn.Linear(7, 3)));
        var random = new SeededRandom(8);
        float[] inputs = Uniform(random, Samples * 13), weighting = Uniform(random, Samples * 3);
        using Tensor x = torch.tensor(inputs, [Samples, 13], requires_grad: true);
        using Tensor c = torch.tensor(weighting, [Samples, 3]);
        using Tensor y = model.call(x);
        using Tensor loss = (y * c).sum();
        loss.backward();

        var tensors = new List<(string Name, int[] Shape, float[] Data)>();
        foreach ((string name, Tensor value) in model.state_dict())
            tensors.Add((name, Shape(value), value.data<float>().ToArray()));
        foreach ((string name, var parameter) in model.named_parameters())
            tensors.Add((name + ".grad", Shape(parameter.grad!), parameter.grad!.data<float>().ToArray()));
        tensors.Add(("input", [Samples, 13], inputs));
        tensors.Add(("input.grad", [Samples, 13], x.grad!.data<float>().ToArray()));
        tensors.Add(("output_gradient", [Samples, 3], weighting));
        tensors.Add(("output", [Samples, 3], y.data<float>().ToArray()));
        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string> { ["producer.torch"] = "TorchSharp " + typeof(torch).Assembly.GetName().Version });
    }

    private static int[] Shape(Tensor tensor) => tensor.shape.Select(d => (int)d).ToArray();

    private static float[] Uniform(SeededRandom random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(2 * random.NextDouble() - 1);
        return values;
    }
}
