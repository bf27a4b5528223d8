using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>The recurrent cells DenseGen generates, with PyTorch's gate order.</summary>
internal enum RecurrentCell
{
    /// <summary><c>nn.LSTM</c>: gates i, f, g, o; a hidden and a cell state.</summary>
    Lstm,

    /// <summary><c>nn.GRU</c>: gates r, z, n; a hidden state.</summary>
    Gru,
}

/// <summary>
/// A recurrent layer as its <c>[Lstm]</c> or <c>[Gru]</c> attribute declares it. Never holds symbols, syntax, locations
/// or the compilation.
/// </summary>
/// <param name="Cell">LSTM or GRU.</param>
/// <param name="In">Inputs per time step.</param>
/// <param name="Hidden">Hidden units per layer: the output per time step.</param>
/// <param name="Layers">Stacked layers, as PyTorch's <c>num_layers</c>.</param>
/// <param name="MaxBatch">Streams the layer keeps state for.</param>
/// <param name="Trainable">Whether it learns: keeps every step of a Forward for Backward, and has gradients.</param>
/// <param name="MaxSteps">The longest sequence a trainable layer keeps; 1 for a frozen one, which keeps none.</param>
/// <param name="TrainInitialState">Whether a trainable layer also learns its initial state.</param>
internal sealed record RecurrentSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    bool IsStruct,
    ElementKind Element,
    RecurrentCell Cell,
    int In,
    int Hidden,
    int Layers,
    int MaxBatch,
    bool Trainable = false,
    int MaxSteps = 1,
    bool TrainInitialState = false,
    bool Deterministic = false,
    bool RequiresDeterministicMode = false)
    : LayerSpec(Namespace, ContainingTypes, TypeName, IsStruct, Element, Trainable, Deterministic, RequiresDeterministicMode)
{
    public const string LstmKindName = "Lstm", GruKindName = "Gru";

    /// <summary>The kind's name, as weight files record it: <c>Lstm</c> or <c>Gru</c>.</summary>
    public string KindName => Cell == RecurrentCell.Lstm ? LstmKindName : GruKindName;

    /// <summary>Gates per hidden unit: 4 for an LSTM, 3 for a GRU; the weights have <c>Gates × Hidden</c> rows.</summary>
    public int Gates => Cell == RecurrentCell.Lstm ? 4 : 3;

    /// <summary>Rows of every weight and bias: <c>Gates × Hidden</c>.</summary>
    public int GateRows => Gates * Hidden;

    /// <summary>Whether the layer has a cell state besides its hidden state (an LSTM).</summary>
    public bool HasCell => Cell == RecurrentCell.Lstm;

    /// <summary>Inputs of layer <paramref name="layer"/>: <see cref="In"/> for the first, <see cref="Hidden"/> above it.</summary>
    public int InputsOf(int layer) => layer == 0 ? In : Hidden;

    // The layer's own buffers, each a field the emitter writes in the tensors' storage form. The running state and the
    // step's scratch; and for a trainable layer what Forward keeps of every step, the running state's gradients,
    // Backward's scratch and the gradient between stacked layers.
    public const string HiddenField = "__denseHiddenState", CellField = "__denseCellState", ScratchField = "__denseScratch",
        HistoryHiddenField = "__denseHistoryHidden", HistoryCellField = "__denseHistoryCell", HistoryGatesField = "__denseHistoryGates",
        HistoryExtraField = "__denseHistoryExtra", HiddenGradientsField = "__denseHiddenStateGradients", CellGradientsField = "__denseCellStateGradients",
        GradientScratchField = "__denseGradientScratch", LayerGradientsField = "__denseLayerGradients",
        GateGradientsField = "__denseGateGradients", StepGradientsField = "__denseStepGradients";

    /// <summary>
    /// Whether <c>Backward</c> takes every stream of a step at once (<see cref="RecurrentBatchedBackward"/>): a trainable layer
    /// that is not deterministic. A deterministic layer keeps its fixed order, one stream and step at a time.
    /// </summary>
    public bool BatchedBackward => Trainable && !Deterministic;

    /// <summary>
    /// Every buffer the layer keeps beside its tensors, with its length in elements; the contract's
    /// <see cref="LayerContract.OwnBufferLength"/> is their sum.
    /// <list type="bullet">
    /// <item>The running hidden (and cell) state, <c>[Layers, MaxBatch, Hidden]</c> each, and the step's scratch: the gates, their
    /// recurrent half apart (which a GRU's new gate needs alone, and the vector kernels write separately), for an
    /// LSTM <c>tanh(c')</c>, and last the direction of the fused step kernel's next walk over the weights.</item>
    /// <item>A trainable layer's history, for every layer and stream: the hidden (and cell) state before the first step and after
    /// every step, <c>[MaxSteps + 1, Hidden]</c>; each step's activated gates, <c>[MaxSteps, Gates·Hidden]</c>; and its
    /// <c>tanh(c')</c> (LSTM) or <c>W_hn h + b_hn</c> (GRU), <c>[MaxSteps, Hidden]</c>.</item>
    /// <item>Its gradients of the running state, <c>[Layers, MaxBatch, Hidden]</c> each; Backward's scratch; and between stacked
    /// layers the gradient of a layer's output at every step, <c>[MaxBatch, MaxSteps, Hidden]</c>. The scratch of a deterministic
    /// layer is one step's (the gates' pre-activation gradients from the input side and, apart for a GRU, the recurrent side,
    /// and the hidden state's gradient). A batched Backward (<see cref="BatchedBackward"/>) keeps the gates' pre-activation
    /// gradients of every stream and step of a layer, <c>[MaxBatch, MaxSteps, Gates·Hidden]</c> (a GRU's recurrent side apart,
    /// as many again), for the weights' gradients and the input's taken over whole sequences at the end; and one step's of
    /// every stream side by side, <c>[MaxBatch, Gates·Hidden]</c>, with a GRU's direct part of the state's gradient
    /// <c>[MaxBatch, Hidden]</c>, for the state's gradient taken over the streams at once.</item>
    /// </list>
    /// </summary>
    public IReadOnlyList<(string Field, long Length)> OwnBuffers
    {
        get
        {
            long state = (long)Layers * MaxBatch * Hidden, streams = (long)Layers * MaxBatch;
            var buffers = new List<(string Field, long Length)> { (HiddenField, state) };
            if (HasCell)
                buffers.Add((CellField, state));
            // The last element is the direction the fused step kernel walks the weights in next (RecurrentStepKernel).
            buffers.Add((ScratchField, 2 * GateRows + (HasCell ? Hidden : 0) + 1));
            if (!Trainable)
                return buffers;
            buffers.Add((HistoryHiddenField, streams * (MaxSteps + 1L) * Hidden));
            if (HasCell)
                buffers.Add((HistoryCellField, streams * (MaxSteps + 1L) * Hidden));
            buffers.Add((HistoryGatesField, streams * MaxSteps * GateRows));
            buffers.Add((HistoryExtraField, streams * MaxSteps * Hidden));
            buffers.Add((HiddenGradientsField, state));
            if (HasCell)
                buffers.Add((CellGradientsField, state));
            if (BatchedBackward)
            {
                buffers.Add((GateGradientsField, (HasCell ? 1L : 2L) * MaxBatch * MaxSteps * GateRows));
                buffers.Add((StepGradientsField, (long)MaxBatch * (GateRows + (HasCell ? 0 : Hidden))));
            }
            else
            {
                buffers.Add((GradientScratchField, 2 * GateRows + Hidden));
            }
            if (Layers > 1)
                buffers.Add((LayerGradientsField, (long)MaxBatch * MaxSteps * Hidden));
            return buffers;
        }
    }

    /// <summary>
    /// PyTorch's state dict, layer by layer: <c>weight_ih_l{k}</c> <c>[Gates·Hidden, inputs]</c>, <c>weight_hh_l{k}</c>
    /// <c>[Gates·Hidden, Hidden]</c>, <c>bias_ih_l{k}</c> and <c>bias_hh_l{k}</c> <c>[Gates·Hidden]</c>; then the initial
    /// state, <c>[Layers, Hidden]</c> each, which every stream starts from and <c>ResetState</c> restores. Every parameter
    /// has fan-in <see cref="Hidden"/>, so PyTorch's default initialization draws it from ±1/√Hidden as <c>nn.LSTM</c>'s does.
    /// </summary>
    public override LayerContract Contract
    {
        get
        {
            var tensors = new List<TensorSpec>();
            for (int layer = 0; layer < Layers; layer++)
            {
                string k = Number(layer);
                tensors.Add(Parameter($"weight_ih_l{k}", $"WeightIhL{k}", EquatableArray.Create(GateRows, InputsOf(layer)), isBias: false,
                    $"The input weights of layer {k}, <c>[{Number(Gates)}·HiddenSize, {(layer == 0 ? "InputSize" : "HiddenSize")}]</c> row-major, gate blocks in PyTorch's order ({GateNames}): <c>{(layer == 0 ? "weight_ih_l0" : "weight_ih_l" + k)}</c>. Starts at zero."));
                tensors.Add(Parameter($"weight_hh_l{k}", $"WeightHhL{k}", EquatableArray.Create(GateRows, Hidden), isBias: false,
                    $"The recurrent weights of layer {k}, <c>[{Number(Gates)}·HiddenSize, HiddenSize]</c> row-major, gate blocks in PyTorch's order ({GateNames}). Starts at zero."));
                tensors.Add(Parameter($"bias_ih_l{k}", $"BiasIhL{k}", EquatableArray.Create(GateRows), isBias: true,
                    $"The input bias of layer {k}, <c>[{Number(Gates)}·HiddenSize]</c>, gate blocks in PyTorch's order ({GateNames}). Starts at zero."));
                tensors.Add(Parameter($"bias_hh_l{k}", $"BiasHhL{k}", EquatableArray.Create(GateRows), isBias: true,
                    $"The recurrent bias of layer {k}, <c>[{Number(Gates)}·HiddenSize]</c>, gate blocks in PyTorch's order ({GateNames}). Starts at zero."));
            }
            tensors.Add(InitialState("initial_hidden", "InitialHiddenState", "hidden state <c>h</c>"));
            if (HasCell)
                tensors.Add(InitialState("initial_cell", "InitialCellState", "cell state <c>c</c>"));
            return new LayerContract(
                Kind: KindName,
                Architecture: ArchitectureOf(KindName, In, Hidden, Layers),
                Description: $"{KindName.ToUpperInvariant()} {Number(In)} → {Number(Hidden)}{(Layers > 1 ? " × " + Number(Layers) + " layers" : "")}",
                Input: new LayerShape(In, PerTimeStep: true, SizeProperty: "In"),
                Output: new LayerShape(Hidden, PerTimeStep: true, SizeProperty: "Hidden"),
                Tensors: tensors.ToEquatableArray(),
                Keeps: Trainable ? BackwardNeeds.OwnBuffer : BackwardNeeds.Nothing,
                OwnBufferLength: OwnBuffers.Sum(buffer => buffer.Length),
                Trainable: Trainable,
                Deterministic: Deterministic,
                Streams: new StreamState(
                    MaxBatch, MaxSteps,
                    HasCell ? EquatableArray.Create("HiddenState", "CellState") : EquatableArray.Create("HiddenState"),
                    !Trainable ? EquatableArray<string>.Empty
                    : HasCell ? EquatableArray.Create("HiddenStateGradients", "CellStateGradients") : EquatableArray.Create("HiddenStateGradients")),
                FieldBytes: Trainable ? 2 * sizeof(int) : 0);
        }
    }

    private string GateNames => HasCell ? "i, f, g, o" : "r, z, n";

    private TensorSpec Parameter(string name, string property, EquatableArray<int> shape, bool isBias, string summary) =>
        new(name, property, Trainable ? property + "Gradients" : null, "Tensor" + Number(shape.Count == 1 ? shape[0] : shape[0] * shape[1]), shape, Hidden, GateRows, isBias,
            TensorRole.Parameter, summary, Trainable ? GradientSummary(property) : null);

    private TensorSpec InitialState(string name, string property, string what)
    {
        bool trained = Trainable && TrainInitialState;
        string training = trained ? "trained (<c>TrainInitialState</c>)" : "not trained";
        return new(name, property, trained ? property + "Gradients" : null, "Tensor" + Number(Layers * Hidden), EquatableArray.Create(Layers, Hidden), Hidden, Hidden,
            IsBias: false, TensorRole.State,
            $"The initial {what} of each layer, <c>[Layers, HiddenSize]</c>: state, saved and loaded as <c>{name}</c>, {training}. Every stream starts from it, and <see cref=\"ResetState\"/> restores it. Zero unless set or loaded.",
            trained
                ? $"<c>∂L/∂{property}</c>: the gradient of each stream's state before the Forward that <see cref=\"Backward\"/> went through, summed over the streams (the state every stream starts from after <see cref=\"ResetState\"/>), since the last <see cref=\"ZeroGradients\"/>; laid out like <see cref=\"{property}\"/>."
                : null);
    }

    private static string GradientSummary(string property) =>
        $"<c>∂L/∂{property}</c> summed over every stream and step given to <see cref=\"Backward\"/> since the last <see cref=\"ZeroGradients\"/>; laid out like <see cref=\"{property}\"/>.";

    /// <summary>How weight files record a recurrent layer: <c>Lstm(In = 1, Hidden = 40, Layers = 1)</c>.</summary>
    public static string ArchitectureOf(string kind, int inputs, int hidden, int layers) =>
        string.Format(CultureInfo.InvariantCulture, "{0}(In = {1}, Hidden = {2}, Layers = {3})", kind, inputs, hidden, layers);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
