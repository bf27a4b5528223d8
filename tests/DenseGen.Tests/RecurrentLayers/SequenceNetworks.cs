namespace DenseGen.Tests.RecurrentLayers;

// Networks of sequences: dense layers before and after recurrent ones, applied at every time step. Each layer type is
// declared once per network, so a test can build the same layers alone and compare.

// Double, trainable: Dense 3 → 6 (tanh), LSTM 6 → 5 × 2 layers, GRU 5 → 4, Dense 4 → 2. Three streams, nine steps.
[Dense(In = 3, Out = 6, Activation = Activation.Tanh, ElementType = typeof(double))] public partial class SeqInput;
[Lstm(In = 6, Hidden = 5, Layers = 2, MaxBatch = 3, MaxSteps = 9, TrainInitialState = true, ElementType = typeof(double))] public partial class SeqLstm;
[Gru(In = 5, Hidden = 4, MaxBatch = 3, MaxSteps = 9, ElementType = typeof(double))] public partial class SeqGru;
[Dense(In = 4, Out = 2, ElementType = typeof(double))] public partial class SeqHead;

[Sequential]
public partial class SequenceNet
{
    public readonly SeqInput Input = new();
    [TensorName("rec")] public readonly SeqLstm Memory = new();
    public readonly SeqGru Gru = new();
    public readonly SeqHead Head = new();
}

// The same layers in a struct network that states its streams and steps itself (they must equal the fields').
[Dense(In = 3, Out = 6, Activation = Activation.Tanh, ElementType = typeof(double))] public partial struct SeqInputStruct;
[Lstm(In = 6, Hidden = 5, Layers = 2, MaxBatch = 3, MaxSteps = 9, TrainInitialState = true, ElementType = typeof(double))] public partial struct SeqLstmStruct;
[Gru(In = 5, Hidden = 4, MaxBatch = 3, MaxSteps = 9, ElementType = typeof(double))] public partial struct SeqGruStruct;
[Dense(In = 4, Out = 2, ElementType = typeof(double))] public partial struct SeqHeadStruct;

[Sequential(MaxBatch = 3, MaxSteps = 9)]
public partial struct SequenceNetStruct
{
    public SeqInputStruct Input;
    [TensorName("rec")] public SeqLstmStruct Memory;
    public SeqGruStruct Gru;
    public SeqHeadStruct Head;
}

// Deterministic and frozen, float: the same bits whatever the rows, so stepping, one Forward and a Forward in chunks
// of MaxSteps can be compared exactly.
[Dense(In = 2, Out = 8, Activation = Activation.ReLU, Trainable = false, Deterministic = true)] public partial class FrozenSeqInput;
[Lstm(In = 8, Hidden = 8, MaxBatch = 4, Trainable = false, Deterministic = true)] public partial class FrozenSeqLstm;
[Dense(In = 8, Out = 1, Trainable = false, Deterministic = true)] public partial class FrozenSeqHead;

[Sequential(MaxSteps = 4)]
public partial class FrozenSequenceNet
{
    public readonly FrozenSeqInput Input = new();
    public readonly FrozenSeqLstm Memory = new();
    public readonly FrozenSeqHead Head = new();
}

// A frozen recurrent feature extractor under a trainable head: the head learns, the input's gradient cannot pass.
[Gru(In = 2, Hidden = 6, MaxBatch = 2, Trainable = false, ElementType = typeof(double))] public partial class FeatureGru;
[Dense(In = 6, Out = 3, ElementType = typeof(double))] public partial class FeatureHead;

[Sequential(MaxSteps = 5)]
public partial class FrozenFeatureNet
{
    public readonly FeatureGru Features = new();
    public readonly FeatureHead Head = new();
}

// The PyTorch modules of tools/make-sequence-network-fixtures.py, in double: their state dicts load by the fields' names.
[Dense(In = 2, Out = 8, Activation = Activation.Tanh, Trainable = false, ElementType = typeof(double))] public partial class TorchLstmFeatures;
[Lstm(In = 8, Hidden = 16, Layers = 2, MaxBatch = 3, Trainable = false, ElementType = typeof(double))] public partial class TorchLstmRec;
[Dense(In = 16, Out = 1, Trainable = false, ElementType = typeof(double))] public partial class TorchLstmHead;

[Sequential(MaxSteps = 20)]
public partial class TorchLstmNet
{
    public readonly TorchLstmFeatures Features = new();
    public readonly TorchLstmRec Rec = new();
    public readonly TorchLstmHead Head = new();
}

[Dense(In = 3, Out = 6, Trainable = false, ElementType = typeof(double))] public partial class TorchGruFeatures;
[Gru(In = 6, Hidden = 8, MaxBatch = 2, Trainable = false, ElementType = typeof(double))] public partial class TorchGruRec;
[Dense(In = 8, Out = 2, Trainable = false, ElementType = typeof(double))] public partial class TorchGruHead;

[Sequential(MaxSteps = 20)]
public partial class TorchGruNet
{
    public readonly TorchGruFeatures Features = new();
    public readonly TorchGruRec Rec = new();
    public readonly TorchGruHead Head = new();
}

// The GRU module in float, as BakedWeightsTests bakes it: the same declarations, so the same code and the same bits.
[Dense(In = 3, Out = 6, Trainable = false)] public partial class TorchGruFeaturesFloat;
[Gru(In = 6, Hidden = 8, MaxBatch = 2, Trainable = false)] public partial class TorchGruRecFloat;
[Dense(In = 8, Out = 2, Trainable = false)] public partial class TorchGruHeadFloat;

[Sequential(MaxSteps = 20)]
public partial class TorchGruNetFloat
{
    public readonly TorchGruFeaturesFloat Features = new();
    public readonly TorchGruRecFloat Rec = new();
    public readonly TorchGruHeadFloat Head = new();
}
