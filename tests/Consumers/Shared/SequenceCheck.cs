using System;
using System.IO;
using DenseGen;

namespace Consumers
{
    /// <summary>
    /// A network of sequences through the package: PyTorch's Linear → LSTM (2 layers) → Linear module
    /// (tools/make-sequence-network-fixtures.py, network_lstm) baked in by its state dict's names must hold the weights
    /// Load reads from the same file (the same bits out of Forward), stepping one stream must give what Forward gives to
    /// within the float bound the tests use for such outputs, and a trainable copy must learn under Adam. A consumer that
    /// compiles this links network_lstm.safetensors and copies it to its output.
    /// </summary>
    internal static class SequenceCheck
    {
        /// <summary>Prints one line and returns the number of failed checks.</summary>
        public static int Run()
        {
            const int Steps = 20;
            var baked = new BakedSequence();
            var loaded = new BakedSequence();
            loaded.Load(Path.Combine(AppContext.BaseDirectory, "network_lstm.safetensors"));
            var random = new SeededRandom(31);
            float[] x = new float[BakedSequence.MaxBatch * Steps * BakedSequence.InputSize];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(2 * random.NextDouble() - 1);
            float[] y = new float[BakedSequence.MaxBatch * Steps], yLoaded = new float[y.Length];
            baked.Forward(x, y, Steps);
            loaded.Forward(x, yLoaded, Steps);
            int failures = 0;
            for (int i = 0; i < y.Length; i++)
                failures += y[i] == yLoaded[i] ? 0 : 1;

            // One stream stepped sample by sample against the first stream of the Forward above.
            baked.ResetState();
            float[] output = new float[1];
            double worst = 0;
            for (int t = 0; t < Steps; t++)
            {
                baked.Step(x.AsSpan(t * BakedSequence.InputSize, BakedSequence.InputSize), output);
                worst = Math.Max(worst, Math.Abs(output[0] - y[t]));
            }
            failures += worst <= 1e-5 ? 0 : 1;

            // Training: the trainable declarations of the same shapes learn to echo the input's first feature.
            var model = new TrainedSequence();
            model.Initialize(seed: 5);
            var adam = new Adam<float>(model, learningRate: 0.01);
            float[] target = new float[y.Length], prediction = new float[y.Length], gradient = new float[y.Length];
            for (int i = 0; i < target.Length; i++) target[i] = x[i * BakedSequence.InputSize];
            float first = 0, last = 0;
            for (int iteration = 0; iteration < 200; iteration++)
            {
                model.ResetState();
                model.ZeroGradients();
                model.Forward(x, prediction, Steps);
                last = Losses.MeanSquaredError<float>(prediction, target, gradient);
                if (iteration == 0) first = last;
                model.Backward(x, gradient, default);
                adam.Step();
            }
            failures += last < first / 4 ? 0 : 1;
            Console.WriteLine($"sequence network: baked {(y.AsSpan().SequenceEqual(yLoaded) ? "equals" : "differs from")} loaded, a stepped stream within {worst:G2} of Forward, training MSE {first:G3} → {last:G3}{(failures == 0 ? "" : $" ({failures} checks failed)")}");
            return failures;
        }
    }

    [Dense(In = 2, Out = 8, Activation = Activation.Tanh, Trainable = false)] public partial class SequenceFeatures { }
    [Lstm(In = 8, Hidden = 16, Layers = 2, MaxBatch = 3, Trainable = false)] public partial class SequenceMemory { }
    [Dense(In = 16, Out = 1, Trainable = false)] public partial class SequenceHead { }

    // PyTorch's module: features, rec, head; the file has no initial state, which starts at zero.
    [Sequential(MaxSteps = 20, Weights = "network_lstm.safetensors")]
    public partial class BakedSequence
    {
        public readonly SequenceFeatures Features = new SequenceFeatures();
        public readonly SequenceMemory Rec = new SequenceMemory();
        public readonly SequenceHead Head = new SequenceHead();
    }

    [Dense(In = 2, Out = 8, Activation = Activation.Tanh)] public partial class TrainedFeatures { }
    [Lstm(In = 8, Hidden = 16, Layers = 2, MaxBatch = 3, MaxSteps = 20)] public partial class TrainedMemory { }
    [Dense(In = 16, Out = 1)] public partial class TrainedHead { }

    [Sequential]
    public partial class TrainedSequence
    {
        public readonly TrainedFeatures Features = new TrainedFeatures();
        public readonly TrainedMemory Rec = new TrainedMemory();
        public readonly TrainedHead Head = new TrainedHead();
    }
}
