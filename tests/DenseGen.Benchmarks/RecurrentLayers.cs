using System;
using System.Diagnostics.CodeAnalysis;
using DenseGen;

namespace DenseGen.Benchmarks;

// The guitar-amp shapes RecurrentStepBenchmarks streams (In, Hidden): one recurrent layer, then a dense Hidden → 1 head,
// the sizes RTNeural's benchmarks use. Structs, so that the generic benchmark class is specialized for each and calls the
// layers directly, as user code calls a layer it declares.
[Lstm(In = 1, Hidden = 8, Trainable = false)] public partial struct LstmIn1Hidden8 : IRecurrentCell;
[Lstm(In = 1, Hidden = 16, Trainable = false)] public partial struct LstmIn1Hidden16 : IRecurrentCell;
[Lstm(In = 1, Hidden = 40, Trainable = false)] public partial struct LstmIn1Hidden40 : IRecurrentCell;
[Lstm(In = 3, Hidden = 40, Trainable = false)] public partial struct LstmIn3Hidden40 : IRecurrentCell;
[Lstm(In = 1, Hidden = 64, Trainable = false)] public partial struct LstmIn1Hidden64 : IRecurrentCell;
[Lstm(In = 1, Hidden = 80, Trainable = false)] public partial struct LstmIn1Hidden80 : IRecurrentCell;

[Gru(In = 1, Hidden = 8, Trainable = false)] public partial struct GruIn1Hidden8 : IRecurrentCell;
[Gru(In = 1, Hidden = 16, Trainable = false)] public partial struct GruIn1Hidden16 : IRecurrentCell;
[Gru(In = 1, Hidden = 40, Trainable = false)] public partial struct GruIn1Hidden40 : IRecurrentCell;
[Gru(In = 3, Hidden = 40, Trainable = false)] public partial struct GruIn3Hidden40 : IRecurrentCell;
[Gru(In = 1, Hidden = 64, Trainable = false)] public partial struct GruIn1Hidden64 : IRecurrentCell;
[Gru(In = 1, Hidden = 80, Trainable = false)] public partial struct GruIn1Hidden80 : IRecurrentCell;

// The heads: frozen (inference only, no gradient storage), as a shipped amp model is.
[Dense(In = 8, Out = 1, Trainable = false)] public partial struct AmpHead8;
[Dense(In = 16, Out = 1, Trainable = false)] public partial struct AmpHead16;
[Dense(In = 40, Out = 1, Trainable = false)] public partial struct AmpHead40;
[Dense(In = 64, Out = 1, Trainable = false)] public partial struct AmpHead64;
[Dense(In = 80, Out = 1, Trainable = false)] public partial struct AmpHead80;

/// <summary>
/// What the benchmarks need of a generated one-layer, one-stream recurrent layer (every member is generated; the
/// declarations above only name the interface). Its sizes follow from the tensors: <c>Hidden</c> is the running state's
/// length, the gate count <c>WeightHhL0.Length / Hidden²</c> (4 for an LSTM, 3 for a GRU), <c>In</c> the rest.
/// </summary>
public interface IRecurrentCell
{
    [UnscopedRef]
    Span<float> WeightIhL0 { get; }

    [UnscopedRef]
    Span<float> WeightHhL0 { get; }

    [UnscopedRef]
    Span<float> BiasIhL0 { get; }

    [UnscopedRef]
    Span<float> BiasHhL0 { get; }

    [UnscopedRef]
    Span<float> HiddenState { get; }

    void Step(ReadOnlySpan<float> input, Span<float> output);

    void ResetState();
}
