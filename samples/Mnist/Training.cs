using System;

namespace DenseGen.Samples.Mnist;

/// <summary>
/// One pass over a training set in shuffled mini-batches: forward, softmax cross-entropy, backward, an optimizer step.
/// Every buffer is allocated here, so an epoch allocates nothing. Shared by the sample and the epoch benchmark.
/// </summary>
public sealed class EpochRunner
{
    private readonly ITrainableModule<float> _network;
    private readonly Optimizer<float> _optimizer;
    private readonly LabeledImages _train;
    private readonly int _batchSize;
    private readonly int[] _order;
    private readonly float[] _batchPixels, _logits, _logitGradient;
    private readonly int[] _batchLabels;
    private readonly SeededRandom _random;

    /// <param name="network">The network to train: <see cref="MnistNetwork"/>, or any module of its sizes.</param>
    /// <param name="optimizer">An optimizer created with <paramref name="network"/>.</param>
    /// <param name="train">The training set.</param>
    /// <param name="batchSize">Samples per step, at most <see cref="MnistNetwork.MaxBatch"/>.</param>
    /// <param name="seed">Seeds the shuffling.</param>
    public EpochRunner(ITrainableModule<float> network, Optimizer<float> optimizer, LabeledImages train, int batchSize, ulong seed)
    {
        if (network.InputSize != MnistNetwork.Pixels || network.OutputSize != MnistNetwork.Classes)
            throw new ArgumentException($"The network maps {network.InputSize} inputs to {network.OutputSize} outputs; MNIST needs {MnistNetwork.Pixels} to {MnistNetwork.Classes}.", nameof(network));
        if (batchSize < 1 || batchSize > MnistNetwork.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The network's Backward takes 1 to {MnistNetwork.MaxBatch} samples.");
        _network = network;
        _optimizer = optimizer;
        _train = train;
        _batchSize = batchSize;
        _order = new int[train.Count];
        for (int i = 0; i < _order.Length; i++)
            _order[i] = i;
        _batchPixels = new float[batchSize * MnistNetwork.Pixels];
        _batchLabels = new int[batchSize];
        _logits = new float[batchSize * MnistNetwork.Classes];
        _logitGradient = new float[batchSize * MnistNetwork.Classes];
        // The shuffle has its own stream, apart from the weights' seed, so changing one never shifts the other.
        _random = new SeededRandom(seed ^ 0x5EED_5EED_5EED_5EEDUL);
    }

    /// <summary>Trains on every training sample once, in a new random order; returns the mean loss of the epoch.</summary>
    /// <param name="afterBatch">Called after each step with the samples done and the running mean loss; may be null.</param>
    public double Run(Action<int, double>? afterBatch = null)
    {
        _random.Shuffle(_order.AsSpan());
        double lossSum = 0;
        int done = 0;
        for (int start = 0; start < _order.Length; start += _batchSize)
        {
            int count = Math.Min(_batchSize, _order.Length - start);
            for (int s = 0; s < count; s++)
            {
                int index = _order[start + s];
                _train.Pixels.AsSpan(index * MnistNetwork.Pixels, MnistNetwork.Pixels).CopyTo(_batchPixels.AsSpan(s * MnistNetwork.Pixels));
                _batchLabels[s] = _train.Labels[index];
            }
            float loss = TrainStep(_batchPixels.AsSpan(0, count * MnistNetwork.Pixels), _batchLabels.AsSpan(0, count));
            lossSum += loss * count;
            done += count;
            afterBatch?.Invoke(done, lossSum / done);
        }
        return lossSum / done;
    }

    /// <summary>One step on a batch; returns the batch's mean loss (before the step).</summary>
    private float TrainStep(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        Span<float> logits = _logits.AsSpan(0, labels.Length * MnistNetwork.Classes);
        Span<float> logitGradient = _logitGradient.AsSpan(0, logits.Length);
        _network.Forward(images, logits);
        float loss = Losses.SoftmaxCrossEntropy<float>(logits, labels, logitGradient);
        _network.ZeroGradients();
        // The pixels need no gradient: an empty span skips the first layer's input product.
        _network.Backward(images, logitGradient, []);
        _optimizer.Step();
        return loss;
    }
}

/// <summary>Accuracy, loss and confusion matrix on a labelled set.</summary>
public static class Evaluation
{
    public static (double Accuracy, double Loss, int[,] Confusion) Evaluate(MnistNetwork network, LabeledImages data)
    {
        var confusion = new int[MnistNetwork.Classes, MnistNetwork.Classes];
        var logits = new float[data.Count * MnistNetwork.Classes];
        // Any number of samples: the network runs them MaxBatch at a time.
        network.Forward(data.Pixels.AsSpan(0, data.Count * MnistNetwork.Pixels), logits);
        double loss = Losses.SoftmaxCrossEntropy<float>(logits, data.Labels, []);
        int correct = 0;
        for (int s = 0; s < data.Count; s++)
        {
            int predicted = ArgMax(logits.AsSpan(s * MnistNetwork.Classes, MnistNetwork.Classes));
            confusion[data.Labels[s], predicted]++;
            correct += data.Labels[s] == predicted ? 1 : 0;
        }
        return ((double)correct / data.Count, loss, confusion);
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best])
                best = c;
        }
        return best;
    }
}
