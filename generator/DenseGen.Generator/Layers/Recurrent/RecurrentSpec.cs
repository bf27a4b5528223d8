using System.Collections.Generic;
using System.Globalization;
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

    /// <summary>Elements of one running state (hidden or cell) of every layer and stream: <c>[Layers, MaxBatch, Hidden]</c>.</summary>
    public long StateLength => (long)Layers * MaxBatch * Hidden;

    /// <summary>
    /// Elements of the step's scratch: the gates of one stream and layer, their recurrent half apart (which a GRU's new
    /// gate needs alone, and the vector kernels write separately), and for an LSTM <c>tanh(c')</c>.
    /// </summary>
    public int ScratchLength => 2 * GateRows + (HasCell ? Hidden : 0);

    /// <summary>
    /// Elements a trainable layer keeps of one stream and layer over a Forward: each step's activated gates and its
    /// <c>tanh(c')</c> (LSTM) or <c>W_hn h + b_hn</c> (GRU), <see cref="MaxSteps"/> × (<see cref="GateRows"/> +
    /// <see cref="Hidden"/>); and the hidden (and cell) state before each step and after the last, (<see cref="MaxSteps"/> + 1)
    /// × <see cref="Hidden"/> each.
    /// </summary>
    public long HistoryLengthPerStream => (long)MaxSteps * (GateRows + Hidden) + (MaxSteps + 1L) * Hidden * (HasCell ? 2 : 1);

    /// <summary>
    /// Elements of a trainable layer's buffers for Backward: the kept history of every layer and stream, the gradients of
    /// the running state (<c>[Layers, MaxBatch, Hidden]</c> each), the step's gradient scratch (<see cref="GradientScratchLength"/>),
    /// and between stacked layers the gradient of a layer's output at every step (<c>[MaxBatch, MaxSteps, Hidden]</c>). 0 when frozen.
    /// </summary>
    public long TrainingBufferLength =>
        !Trainable ? 0
        : (long)Layers * MaxBatch * HistoryLengthPerStream + StateLength * (HasCell ? 2 : 1) + GradientScratchLength
          + (Layers > 1 ? (long)MaxBatch * MaxSteps * Hidden : 0);

    /// <summary>
    /// Elements of Backward's scratch for one step of one stream: the gates' pre-activation gradients from the input side
    /// and, apart for a GRU (whose new gate differs), the recurrent side; and the hidden state's gradient.
    /// </summary>
    public int GradientScratchLength => 2 * GateRows + Hidden;

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
                Input: new LayerShape(In, PerTimeStep: true),
                Output: new LayerShape(Hidden, PerTimeStep: true),
                Tensors: tensors.ToEquatableArray(),
                Keeps: Trainable ? BackwardNeeds.OwnBuffer : BackwardNeeds.Nothing,
                OwnBufferLength: StateLength * (HasCell ? 2 : 1) + ScratchLength + TrainingBufferLength,
                Trainable: Trainable,
                Deterministic: Deterministic);
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
