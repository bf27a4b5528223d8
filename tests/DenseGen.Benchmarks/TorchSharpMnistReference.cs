using System;
using System.IO;
using DenseGen.Samples.Mnist;
using TorchSharp;
using static TorchSharp.torch;

namespace DenseGen.Benchmarks;

/// <summary>
/// The MNIST sample's training, written with TorchSharp: the same 784→128 (ReLU)→10 network, PyTorch's default
/// initialization, Adam at 0.001, batch 32, cross-entropy, the built-in split, 10 epochs. Prints the test accuracy
/// per epoch, the reference the sample's accuracy is judged against. Run with
/// <c>dotnet run -c Release --project tests/DenseGen.Benchmarks -- --torchsharp-mnist</c>.
/// </summary>
public static class TorchSharpMnistReference
{
    public const string Command = "--torchsharp-mnist";

    public static void Run()
    {
        MnistData data = MnistData.LoadBuiltIn(Path.Combine(AppContext.BaseDirectory, "data"));
        LibTorchLoader.PrepareNativeLibrary();
        torch.set_num_threads(1);
        torch.manual_seed(1);
        using var model = nn.Sequential(("hidden", nn.Linear(784, 128)), ("relu", nn.ReLU()), ("output", nn.Linear(128, 10)));
        var optimizer = optim.Adam(model.parameters(), lr: 0.001);
        using Tensor trainImages = torch.tensor(data.Train.Pixels, [data.Train.Count, 784]);
        using Tensor trainLabels = torch.tensor(Array.ConvertAll(data.Train.Labels, l => (long)l));
        using Tensor testImages = torch.tensor(data.Test.Pixels, [data.Test.Count, 784]);
        using Tensor testLabels = torch.tensor(Array.ConvertAll(data.Test.Labels, l => (long)l));
        var order = new long[data.Train.Count];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        var shuffle = new SeededRandom(1);
        for (int epoch = 1; epoch <= 10; epoch++)
        {
            shuffle.Shuffle(order.AsSpan());
            using Tensor indicesOfEpoch = torch.tensor(order);
            for (int start = 0; start < order.Length; start += 32)
            {
                using DisposeScope scope = torch.NewDisposeScope();
                Tensor indices = indicesOfEpoch.narrow(0, start, Math.Min(32, order.Length - start));
                Tensor loss = nn.functional.cross_entropy(model.forward(trainImages.index_select(0, indices)), trainLabels.index_select(0, indices));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            using (torch.no_grad())
            using (DisposeScope scope = torch.NewDisposeScope())
            {
                Tensor predicted = model.forward(testImages).argmax(1);
                double accuracy = predicted.eq(testLabels).sum().ToInt64() / (double)data.Test.Count;
                Console.WriteLine(FormattableString.Invariant($"TorchSharp epoch {epoch,2}: test accuracy {100 * accuracy:F2}%"));
            }
        }
    }
}
