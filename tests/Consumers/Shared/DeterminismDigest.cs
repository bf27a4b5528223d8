// What the runtime computes in deterministic mode, folded into one digest that must be the same on every machine:
// the activations, both losses and 300 Adam steps, on inputs from DenseGen's own seeded generator, 25 training steps of
// a network of deterministic layers, and 10 of a deterministic LSTM and GRU through time (full output on .NET 8+,
// portable output on Mono), as the SHA-256 of the
// values' bytes. The test suite (DeterministicRuntimeTests, at each x64 instruction set; PortableConsumerTests), the
// arm64 program under qemu, the NativeAOT programs and the Mono program all compute it with the DenseGen.Deterministic
// switch on and compare it with Expected. C# 9 and .NET Standard 2.0 APIs.
using System;
using DenseGen;

namespace Consumers
{
    [Dense(In = 100, Out = 67, Activation = Activation.LeakyReLU, Deterministic = true)]
    public partial class DeterministicFirst { }

    [Dense(In = 67, Out = 33, Activation = Activation.Tanh, Deterministic = true)]
    public partial class DeterministicSecond { }

    [Dense(In = 33, Out = 48, Activation = Activation.ReLU, Deterministic = true)]
    public partial class DeterministicThird { }

    [Dense(In = 48, Out = 10, Activation = Activation.Sigmoid, Deterministic = true)]
    public partial class DeterministicFourth { }

    [Sequential(MaxBatch = 5)]
    public partial class DeterministicNet
    {
        public readonly DeterministicFirst First = new DeterministicFirst();
        public readonly DeterministicSecond Second = new DeterministicSecond();
        public readonly DeterministicThird Third = new DeterministicThird();
        public readonly DeterministicFourth Fourth = new DeterministicFourth();
    }

    [Lstm(In = 3, Hidden = 7, Layers = 2, MaxBatch = 3, MaxSteps = 6, TrainInitialState = true, Deterministic = true)]
    public partial class DeterministicLstm { }

    [Gru(In = 3, Hidden = 7, Layers = 2, MaxBatch = 3, MaxSteps = 6, Deterministic = true)]
    public partial class DeterministicGru { }

    public static class DeterminismDigest
    {
        /// <summary>The committed digest; a change to DenseGen's deterministic functions changes it, and must say why.</summary>
        public const string Expected = "2c2a2b970436827514f3f1df9a575c0ffda2f4c6c3a05c749832a7faf54dfb58";

        /// <summary>Computes the digest; the caller has turned the switch on before DenseGen read it.</summary>
        public static string Compute()
        {
            if (!DeterministicMode.IsEnabled)
                throw new InvalidOperationException("Turn the DenseGen.Deterministic switch on before DenseGen computes anything.");
            var random = new SeededRandom(11);
            var floats = new float[4096];
            var doubles = new double[4096];
            for (int i = 0; i < floats.Length; i++)
            {
                floats[i] = (float)((random.NextDouble() - 0.5) * 40);
                doubles[i] = (random.NextDouble() - 0.5) * 40;
            }
            var hash = new Sha256();
            // Each value as the eight little-endian bytes of its double (a float converts to double exactly).
            void Add(double value) => hash.AppendLittleEndian((ulong)BitConverter.DoubleToInt64Bits(value));

            float[] sigmoid = (float[])floats.Clone(), tanh = (float[])floats.Clone();
            double[] sigmoidD = (double[])doubles.Clone(), tanhD = (double[])doubles.Clone();
            Activations.Sigmoid<float>(sigmoid);
            Activations.Tanh<float>(tanh);
            Activations.Sigmoid<double>(sigmoidD);
            Activations.Tanh<double>(tanhD);
            float[] elu = (float[])floats.Clone(), silu = (float[])floats.Clone(), siluGradient = new float[floats.Length];
            double[] eluD = (double[])doubles.Clone(), siluD = (double[])doubles.Clone(), siluGradientD = new double[doubles.Length];
            Activations.ELU<float>(elu);
            Activations.ELU<double>(eluD);
            Activations.SiLU<float>(silu);
            Activations.SiLU<double>(siluD);
            // SiLU's derivative at each input, times the sigmoid of the next one as a gradient.
            Activations.SiLUBackward<float>(floats, sigmoid, siluGradient);
            Activations.SiLUBackward<double>(doubles, sigmoidD, siluGradientD);
            for (int i = 0; i < floats.Length; i++)
            {
                Add(sigmoid[i]);
                Add(tanh[i]);
                Add(sigmoidD[i]);
                Add(tanhD[i]);
                Add(elu[i]);
                Add(eluD[i]);
                Add(silu[i]);
                Add(siluD[i]);
                Add(siluGradient[i]);
                Add(siluGradientD[i]);
            }

            int[] labels = new int[floats.Length / 16];
            for (int s = 0; s < labels.Length; s++)
                labels[s] = s % 16;
            float[] gradient = new float[floats.Length];
            double[] gradientD = new double[doubles.Length];
            Add(Losses.SoftmaxCrossEntropy<float>(floats, labels, gradient));
            Add(Losses.SoftmaxCrossEntropy<double>(doubles, labels, gradientD));
            foreach (double g in gradientD) Add(g);
            Add(Losses.MeanSquaredError<float>(floats, sigmoid, gradient));
            foreach (float g in gradient) Add(g);

            // Adam on parameters that are not a layer, so no kernel is involved: 300 steps.
            var model = new Parameters(floats, gradient);
            var adam = new Adam<float>(model, learningRate: 0.01, weightDecay: 1e-4);
            for (int step = 0; step < 300; step++)
                adam.Step();
            foreach (float p in model.Values) Add(p);

            // A network of deterministic layers, 100 → 67 → 33 → 48 → 10: inputs that leave a remainder after each set of 16
            // lanes, and 48 that does not. 20 steps at batch 5 (a forward tile of three samples and two alone, a dX tile of
            // four and one alone), then 5 at batch 2 (the backward's sample-by-sample path).
            var network = new DeterministicNet();
            network.Initialize(3);
            var networkAdam = new Adam<float>(network, learningRate: 0.01);
            float[] x = new float[5 * DeterministicNet.InputSize], y = new float[5 * DeterministicNet.OutputSize];
            float[] target = new float[y.Length], dy = new float[y.Length], dx = new float[x.Length];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
            for (int i = 0; i < target.Length; i++) target[i] = (float)(random.NextDouble() * 2 - 1);
            for (int step = 0; step < 20; step++)
            {
                network.ZeroGradients();
                network.Forward(x, y);
                Add(Losses.MeanSquaredError<float>(y, target, dy));
                network.Backward(x, dy, dx);
                networkAdam.Step();
            }
            int small = 2 * DeterministicNet.InputSize, smallOut = 2 * DeterministicNet.OutputSize;
            for (int step = 0; step < 5; step++)
            {
                network.ZeroGradients();
                network.Forward(x.AsSpan(0, small), y.AsSpan(0, smallOut));
                Add(Losses.MeanSquaredError<float>(y.AsSpan(0, smallOut), target.AsSpan(0, smallOut), dy.AsSpan(0, smallOut)));
                network.Backward(x.AsSpan(0, small), dy.AsSpan(0, smallOut), dx.AsSpan(0, small));
                networkAdam.Step();
            }
            foreach (float v in y) Add(v);
            foreach (float v in dx) Add(v);
            ITrainable<float> parameters = network;
            for (int t = 0; t < parameters.ParameterTensorCount; t++)
            {
                foreach (float v in parameters.ParameterTensor(t)) Add(v);
            }

            // The recurrent layers: 10 Adam steps of 3 streams × 6 steps each, from the initial state (which the LSTM learns);
            // then 4 time steps through Step. Their sigmoid and tanh are DenseGen's own, every operation rounded explicitly.
            AddRecurrent(new DeterministicLstm(), new DeterministicGru(), random, Add);
            return hash.Finish();
        }

        private delegate void SequenceForward(ReadOnlySpan<float> input, Span<float> output, int steps);

        private delegate void SequenceBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

        private delegate void TimeStep(ReadOnlySpan<float> input, Span<float> output);

        private static void AddRecurrent(DeterministicLstm lstm, DeterministicGru gru, SeededRandom random, Action<double> add)
        {
            AddRecurrent(lstm, lstm.ResetState, lstm.ZeroGradients, lstm.Forward, lstm.Backward, lstm.Step, random, add);
            AddRecurrent(gru, gru.ResetState, gru.ZeroGradients, gru.Forward, gru.Backward, gru.Step, random, add);
        }

        private static void AddRecurrent(
            ITrainable<float> layer, Action resetState, Action zeroGradients, SequenceForward forward, SequenceBackward backward, TimeStep step,
            SeededRandom random, Action<double> add)
        {
            const int Streams = 3, Steps = 6, In = 3, Hidden = 7;
            Initializer.Initialize(layer, Initialization.PyTorchDefault, seed: 5);
            var adam = new Adam<float>(layer, learningRate: 0.01);
            float[] x = new float[Streams * Steps * In], y = new float[Streams * Steps * Hidden], dy = new float[y.Length], dx = new float[x.Length];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
            for (int i = 0; i < dy.Length; i++) dy[i] = (float)(random.NextDouble() * 2 - 1);
            for (int iteration = 0; iteration < 10; iteration++)
            {
                zeroGradients();
                resetState();
                forward(x, y, Steps);
                backward(x, dy, dx);
                adam.Step();
            }
            foreach (float v in y) add(v);
            foreach (float v in dx) add(v);
            for (int t = 0; t < layer.ParameterTensorCount; t++)
            {
                foreach (float v in layer.ParameterTensor(t)) add(v);
                foreach (float v in layer.GradientTensor(t)) add(v);
            }
            float[] output = new float[Streams * Hidden];
            for (int t = 0; t < 4; t++)
            {
                step(x.AsSpan(t * Streams * In, Streams * In), output);
                foreach (float v in output) add(v);
            }
        }

        private sealed class Parameters : ITrainable<float>
        {
            private readonly float[] _gradients;

            public Parameters(float[] values, float[] gradients)
            {
                Values = (float[])values.Clone();
                _gradients = gradients;
            }

            public float[] Values { get; }

            public int ParameterTensorCount => 1;

            public string ParameterTensorName(int index) => "p";

            public TensorDescription DescribeParameterTensor(int index) => new("p", new[] { Values.Length }, TensorRole.Parameter, Values.Length, 1, isBias: false);

            public Span<float> ParameterTensor(int index) => Values;

            public Span<float> GradientTensor(int index) => _gradients;

            public void ZeroGradients() => Array.Clear(_gradients, 0, _gradients.Length);
        }
    }
}
