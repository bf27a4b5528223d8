using System;

namespace DenseGen.Samples.Mnist;

/// <summary>One pass over a training set, in shuffled mini-batches; shared by the sample and the epoch benchmark.</summary>
public sealed class EpochRunner
{
    private readonly MnistNetwork _network;
    private readonly LabeledImages _train;
    private readonly int _batchSize;
    private readonly int[] _order;
    private readonly float[] _batchPixels;
    private readonly int[] _batchLabels;
    private readonly SeededRandom _random;

    public EpochRunner(MnistNetwork network, LabeledImages train, int batchSize, ulong seed)
    {
        if (batchSize > network.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The network's buffers hold at most {network.MaxBatch} samples.");
        _network = network;
        _train = train;
        _batchSize = batchSize;
        _order = new int[train.Count];
        for (int i = 0; i < _order.Length; i++)
            _order[i] = i;
        _batchPixels = new float[batchSize * MnistNetwork.Pixels];
        _batchLabels = new int[batchSize];
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
            float loss = _network.TrainStep(_batchPixels.AsSpan(0, count * MnistNetwork.Pixels), _batchLabels.AsSpan(0, count));
            lossSum += loss * count;
            done += count;
            afterBatch?.Invoke(done, lossSum / done);
        }
        return lossSum / done;
    }
}

/// <summary>Accuracy, loss and confusion matrix on a labelled set.</summary>
public static class Evaluation
{
    public static (double Accuracy, double Loss, int[,] Confusion) Evaluate(MnistNetwork network, LabeledImages data)
    {
        var confusion = new int[MnistNetwork.Classes, MnistNetwork.Classes];
        var predictions = new int[network.MaxBatch];
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += network.MaxBatch)
        {
            int count = Math.Min(network.MaxBatch, data.Count - start);
            ReadOnlySpan<int> labels = data.Labels.AsSpan(start, count);
            lossSum += network.Predict(data.Pixels.AsSpan(start * MnistNetwork.Pixels, count * MnistNetwork.Pixels), labels, predictions);
            for (int s = 0; s < count; s++)
            {
                confusion[labels[s], predictions[s]]++;
                correct += labels[s] == predictions[s] ? 1 : 0;
            }
        }
        return ((double)correct / data.Count, lossSum / data.Count, confusion);
    }
}
