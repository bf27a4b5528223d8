namespace DenseGen.Tests.RecurrentLayers;

// The shapes of RTNeural's reference models: a layer 1 → 8, then three stacked layers 8 → 8, then Dense 8 → 1.
[Lstm(In = 1, Hidden = 8, Trainable = false)]
public partial class RtLstmFirst;

[Lstm(In = 8, Hidden = 8, Layers = 3, Trainable = false)]
public partial class RtLstmStack;

[Gru(In = 1, Hidden = 8, Trainable = false)]
public partial class RtGruFirst;

[Gru(In = 8, Hidden = 8, Layers = 3, Trainable = false)]
public partial class RtGruStack;

[Dense(In = 8, Out = 1, Trainable = false)]
public partial class RtDenseOut;

// Several streams, struct and double storage, deterministic kernels.
[Lstm(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial class StreamsLstm;

[Gru(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial class StreamsGru;

[Lstm(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7, TrainInitialState = true, ElementType = typeof(double))]
public partial struct StreamsLstmStruct;

[Gru(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7, TrainInitialState = true, ElementType = typeof(double))]
public partial struct StreamsGruStruct;

// Float structs on the fused step kernel (Hidden a multiple of 4, which 5 is not), in the same promises as the layers
// above: a struct layer's storage is inline, so its kernels read it through the struct's own references. Hidden 8 is
// one Vector256 of gate rows, 16 two.
[Lstm(In = 3, Hidden = 8, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial struct FusedLstmStruct;

[Gru(In = 3, Hidden = 16, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial struct FusedGruStruct;

[Lstm(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7, Deterministic = true)]
public partial class StreamsLstmDeterministic;

[Gru(In = 3, Hidden = 5, Layers = 2, MaxBatch = 4, MaxSteps = 7, Deterministic = true)]
public partial class StreamsGruDeterministic;

// Float layers of the fused step's rarer paths, in the numerical checks every kernel path runs (RecurrentChecks): wide
// inputs make the first layer's weights larger than L1, so it walks its gates both ways. Hidden 16 is two Vector256s of
// gate rows (the step's kernel below Hidden 64) or four Vector128s; Hidden 8 is one Vector256 (the state read back from
// the gates' buffer where the layer walks, kept in registers where it does not) or two Vector128s.
[Lstm(In = 200, Hidden = 16, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial class WideInputLstm;

[Gru(In = 200, Hidden = 16, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial class WideInputGru;

[Lstm(In = 340, Hidden = 8, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial class WideInputLstm8;

[Gru(In = 340, Hidden = 8, Layers = 2, MaxBatch = 4, MaxSteps = 7)]
public partial class WideInputGru8;

// The shapes of the PyTorch fixtures (tests/DenseGen.Tests/Fixtures/recurrent), up to 5 streams each.
[Lstm(In = 1, Hidden = 8, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureLstm1x8;
[Lstm(In = 1, Hidden = 8, Layers = 2, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureLstm1x8x2;
[Lstm(In = 3, Hidden = 40, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureLstm3x40;
[Lstm(In = 3, Hidden = 40, Layers = 2, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureLstm3x40x2;
[Lstm(In = 2, Hidden = 64, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureLstm2x64;
[Gru(In = 1, Hidden = 8, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureGru1x8;
[Gru(In = 1, Hidden = 8, Layers = 2, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureGru1x8x2;
[Gru(In = 3, Hidden = 40, Layers = 2, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureGru3x40x2;
[Gru(In = 2, Hidden = 64, MaxBatch = 5, MaxSteps = 200)] public partial class FixtureGru2x64;

// Double layers for finite differences through 50 steps, with the initial state trained (the fixtures' double layers
// are in FixtureDoubleLayers.cs).
[Lstm(In = 2, Hidden = 4, Layers = 2, MaxBatch = 2, MaxSteps = 50, TrainInitialState = true, ElementType = typeof(double))] public partial class FiniteLstm;
[Gru(In = 2, Hidden = 4, Layers = 2, MaxBatch = 2, MaxSteps = 50, TrainInitialState = true, ElementType = typeof(double))] public partial class FiniteGru;
