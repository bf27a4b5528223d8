// Training through the package, as a Unity or .NET Framework user trains: a small network, a synthetic task, the
// runtime's losses and optimizers, a weight file written and read back. Compiled into the Portable library (C# 9,
// netstandard2.1), where PortableConsumerTests and NetStandardRuntimeTests run it against each build of the runtime
// and compare the bits, and into the Mono program, which runs it on Mono. C# 9 and .NET Standard 2.0 APIs only.
using System;
using DenseGen;

namespace Consumers
{
    [Dense(In = 6, Out = 16, Activation = Activation.ReLU)]
    public partial class TrainHidden { }

    [Dense(In = 16, Out = 12, Activation = Activation.LeakyReLU)]
    public partial class TrainMiddle { }

    [Dense(In = 12, Out = 3)]
    public partial class TrainOutput { }

    /// <summary>6 → 16 (ReLU) → 12 (leaky ReLU) → 3: activations whose arithmetic is the same in every build.</summary>
    [Sequential(MaxBatch = 8)]
    public partial class TrainNet
    {
        public readonly TrainHidden Hidden = new TrainHidden();
        public readonly TrainMiddle Middle = new TrainMiddle();
        public readonly TrainOutput Output = new TrainOutput();
    }

    public static class TrainingRun
    {
        public const int Samples = 64;

        public const int Batch = 8;

        /// <summary>
        /// Trains a <see cref="TrainNet"/> from seed 1: <paramref name="adamSteps"/> Adam steps, then
        /// <paramref name="sgdSteps"/> steps of SGD with momentum and weight decay, over batches of 8. The loss is mean
        /// squared error against three functions of the input, or, with <paramref name="crossEntropy"/>, softmax
        /// cross-entropy against a class made from the input. Returns each step's loss, then every parameter.
        /// </summary>
        public static float[] Train(int adamSteps, int sgdSteps, bool crossEntropy)
        {
            var network = new TrainNet();
            network.Initialize(1);
            float[] x = new float[Samples * TrainNet.InputSize], targets = new float[Samples * TrainNet.OutputSize];
            int[] labels = new int[Samples];
            var random = new SeededRandom(2);
            for (int i = 0; i < x.Length; i++)
                x[i] = (float)(2 * random.NextDouble() - 1);
            for (int s = 0; s < Samples; s++)
            {
                int at = s * TrainNet.InputSize;
                targets[3 * s] = x[at] * x[at + 1];
                targets[3 * s + 1] = x[at + 2] - x[at + 3];
                targets[3 * s + 2] = 0.5f * (x[at + 4] + x[at + 5]);
                labels[s] = x[at] + x[at + 1] > 0.5f ? 2 : x[at + 2] > 0f ? 1 : 0;
            }

            var losses = new float[adamSteps + sgdSteps];
            var output = new float[Batch * TrainNet.OutputSize];
            var gradient = new float[Batch * TrainNet.OutputSize];
            Optimizer<float> adam = new Adam<float>(network, learningRate: 0.01);
            Optimizer<float> sgd = new Sgd<float>(network, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4);
            for (int step = 0; step < losses.Length; step++)
            {
                int first = step * Batch % Samples;
                ReadOnlySpan<float> input = new ReadOnlySpan<float>(x, first * TrainNet.InputSize, Batch * TrainNet.InputSize);
                network.ZeroGradients();
                network.Forward(input, output);
                losses[step] = crossEntropy
                    ? Losses.SoftmaxCrossEntropy<float>(output, new ReadOnlySpan<int>(labels, first, Batch), gradient)
                    : Losses.MeanSquaredError<float>(output, new ReadOnlySpan<float>(targets, first * TrainNet.OutputSize, Batch * TrainNet.OutputSize), gradient);
                network.Backward(input, gradient, Span<float>.Empty);
                (step < adamSteps ? adam : sgd).Step();
            }

            float[] parameters = Parameters(network);
            var result = new float[losses.Length + parameters.Length];
            losses.CopyTo(result, 0);
            parameters.CopyTo(result, losses.Length);
            return result;
        }

        /// <summary>Trains as <see cref="Train"/> with mean squared error and saves the network to <paramref name="path"/>.</summary>
        public static void TrainAndSave(int adamSteps, int sgdSteps, string path)
        {
            float[] trained = Train(adamSteps, sgdSteps, crossEntropy: false);
            var network = new TrainNet();
            SetParameters(network, trained, adamSteps + sgdSteps);
            network.Save(path);
        }

        /// <summary>Loads <paramref name="path"/> into a new network and returns its parameters.</summary>
        public static float[] Load(string path)
        {
            var network = new TrainNet();
            network.Load(path);
            return Parameters(network);
        }

        /// <summary>FNV-1a over the bits of <paramref name="values"/>, to compare runs on different runtimes at a glance.</summary>
        public static string Digest(float[] values)
        {
            ulong hash = 14695981039346656037UL;
            foreach (float value in values)
            {
                hash ^= (uint)BitConverter.ToInt32(BitConverter.GetBytes(value), 0);
                hash *= 1099511628211UL;
            }
            return hash.ToString("x16");
        }

        public static float[] Parameters(TrainNet network)
        {
            var all = new float[TrainNet.ParameterCount];
            int at = 0;
            foreach (float[] tensor in new[] { network.Hidden.Weights.ToArray(), network.Hidden.Bias.ToArray(), network.Middle.Weights.ToArray(),
                network.Middle.Bias.ToArray(), network.Output.Weights.ToArray(), network.Output.Bias.ToArray() })
            {
                tensor.CopyTo(all, at);
                at += tensor.Length;
            }
            return all;
        }

        private static void SetParameters(TrainNet network, float[] source, int start)
        {
            int at = start;
            at = CopyInto(source, at, network.Hidden.Weights);
            at = CopyInto(source, at, network.Hidden.Bias);
            at = CopyInto(source, at, network.Middle.Weights);
            at = CopyInto(source, at, network.Middle.Bias);
            at = CopyInto(source, at, network.Output.Weights);
            CopyInto(source, at, network.Output.Bias);
        }

        private static int CopyInto(float[] source, int at, Span<float> destination)
        {
            new ReadOnlySpan<float>(source, at, destination.Length).CopyTo(destination);
            return at + destination.Length;
        }
    }
}
