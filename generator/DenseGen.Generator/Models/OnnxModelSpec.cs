using System.Collections.Generic;
using System.Linq;
using DenseGen.Generator.Layers;
using DenseGen.Generator.Model;
using DenseGen.Generator.Networks;

namespace DenseGen.Generator.Models;

/// <summary>
/// An <c>[OnnxModel]</c> class: first as its declaration gives it (<see cref="Plan"/> null), then with the plan the
/// graph compiles to, or the problem that stops it. Plain values only, like every model between the generator's steps:
/// the file's bytes ride in the plan by their hash (<see cref="WeightBytes"/>), so comparing two specs never reads them.
/// </summary>
/// <param name="Path">The file's name as the attribute gives it.</param>
/// <param name="MaxBatch">The attribute's <c>MaxBatch</c>, or null when it does not set one.</param>
/// <param name="Outputs">The attribute's <c>Outputs</c>, or null for the default (every computed output).</param>
/// <param name="Deterministic">Whether the attribute, or the project (<c>DenseGenDeterministic</c>), asks for the same bits everywhere.</param>
/// <param name="UserMembers">The names of the members the class declares itself, which the generated names must not repeat.</param>
internal sealed record OnnxModelSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    string Path,
    int? MaxBatch,
    EquatableArray<string>? Outputs,
    bool Deterministic,
    EquatableArray<string> UserMembers,
    ModelPlan? Plan = null,
    BakeProblem? Problem = null,
    bool RequiresDeterministicMode = false) : IGeneratedTypeSpec
{
    public bool IsStruct => false;

    public bool IsComplete => Plan is not null;

    public bool RequiresFullTarget => false;
}

/// <summary>
/// What the graph compiles to: the values one chunk of samples passes through, the steps that compute them in order,
/// the layers (specs of the kinds declared layers have) that the dense and standardizing steps run, the weights they
/// start with, and the graph's inputs, computed outputs and constant outputs as the generated API names them.
/// </summary>
/// <param name="MaxBatch">Samples per chunk: the attribute's, or the default.</param>
/// <param name="Values">Every value a step reads or writes, by <see cref="ModelValue.Id"/>.</param>
/// <param name="Layers">The nested layer types, in the order their tensors lie in <see cref="Weights"/>.</param>
/// <param name="Weights">Every layer's tensors in table order, little-endian floats.</param>
/// <param name="Recipe">How <c>LoadOnnx</c> takes these values from another export of the same architecture.</param>
internal sealed record ModelPlan(
    int MaxBatch,
    EquatableArray<ModelInput> Inputs,
    EquatableArray<ModelOutput> Outputs,
    EquatableArray<ModelConstant> Constants,
    EquatableArray<ModelValue> Values,
    EquatableArray<ModelStep> Steps,
    EquatableArray<ModelLayer> Layers,
    WeightBytes Weights,
    ModelRecipe Recipe)
{
    /// <summary>The values the class keeps a buffer of: every one a step writes but the computed outputs, which <c>Forward</c>'s spans hold.</summary>
    public IEnumerable<ModelValue> Buffered =>
        Values.Where(value => !Inputs.Any(input => input.Value == value.Id) && !Outputs.Any(output => output.Value == value.Id));

    /// <summary>Whether an output comes from a random op: then <c>Forward</c> takes a <c>SeededRandom</c> last.</summary>
    public bool UsesRandom => Steps.Any(step => step is RandomNormalStep or MultinomialStep);
}

/// <summary>
/// What <c>LoadOnnx</c> follows (the runtime's <c>OnnxModelRecipe</c>, whose parameters document each array): the
/// architecture's signature, the folded values, the arrays it rewrites as runs of copies, and the values pinned as
/// compiled.
/// </summary>
internal sealed record ModelRecipe(
    string Signature,
    EquatableArray<int> Expressions,
    EquatableArray<float> Constants,
    EquatableArray<ModelTarget> Targets,
    EquatableArray<int> Runs,
    EquatableArray<int> Pins,
    EquatableArray<float> Pinned,
    EquatableArray<string> PinDescriptions);

/// <summary>
/// An array <c>LoadOnnx</c> rewrites: tensor <see cref="Tensor"/> of layer <see cref="Layer"/> (≥ 0), or else the
/// constant of the step that writes value <see cref="Step"/>: its fill (<see cref="Side"/> null) or its
/// <c>Left</c>/<c>Right</c> operand.
/// </summary>
/// <param name="MustBePositive">Whether a file's values must be positive and finite (a standard deviation the layer divides by).</param>
/// <param name="Description">How messages name it.</param>
/// <param name="Runs">How many of the recipe's runs write it.</param>
internal sealed record ModelTarget(int Layer, int Tensor, int Step, string? Side, int Length, bool MustBePositive, string Description, int Runs = 0)
{
    public static ModelTarget OfLayer(int layer, int tensor, int length, bool mustBePositive, string description) =>
        new(layer, tensor, -1, null, length, mustBePositive, description);

    public static ModelTarget OfStep(int step, string? side, int length, string description) =>
        new(-1, -1, step, side, length, false, description);
}

/// <summary>A value of one sample: <see cref="Width"/> floats (or ints, for an index), held where the plan binds it.</summary>
internal sealed record ModelValue(int Id, int Width, bool IsInteger);

/// <summary>A graph input the computed outputs read: its name in the file, and the parameter and size constant that stand for it.</summary>
internal sealed record ModelInput(string GraphName, string Parameter, string SizeConstant, int Value);

/// <summary>A computed graph output, written by <c>Forward</c> into the parameter that stands for it.</summary>
internal sealed record ModelOutput(string GraphName, string Parameter, string SizeConstant, int Value);

/// <summary>A graph output that is a constant: a <c>const</c> when it has one element, else a static span; float32 or int64 (<see cref="Longs"/>).</summary>
internal sealed record ModelConstant(string GraphName, string Identifier, EquatableArray<float> Floats, EquatableArray<long>? Longs)
{
    public bool IsInteger => Longs is not null;

    public int Count => Longs?.Count ?? Floats.Count;
}

/// <summary>A layer the plan runs: a nested type of the model class, generated by its kind's emitter.</summary>
/// <param name="Field">The model's field that holds it.</param>
/// <param name="Spec">The layer as its kind's emitter takes it (a <c>DenseSpec</c> or <c>StandardizeSpec</c>).</param>
/// <param name="Node">The ONNX node it stands for, as messages and docs name it.</param>
internal sealed record ModelLayer(string Field, LayerSpec Spec, string Node);

/// <summary>One step of the forward pass, writing one value from others; steps run in order on a chunk of samples.</summary>
internal abstract record ModelStep(int Output);

/// <summary>A nested layer's <c>Forward</c>.</summary>
internal sealed record LayerStep(int Layer, int Input, int Output) : ModelStep(Output);

/// <summary>
/// A nested recurrent layer run over the chunk's samples as streams, each sample one stream's whole sequence of
/// <see cref="Steps"/> time steps: its state set from values <see cref="Hidden"/> and <see cref="Cell"/> (each
/// <c>[1, batch, H]</c>), or zero (-1), or the layer's constant initial state (<see cref="FromInitial"/>), then its
/// <c>Step</c> (one step) or <c>Forward</c> (more), writing the hidden state after every step. The values are held sample
/// by sample, so the input is the layer's <c>[streams, steps, In]</c> and the output its <c>[streams, steps, H]</c> as they lie.
/// </summary>
internal sealed record RecurrentStep(int Layer, int Input, int Hidden, int Cell, int Output, int Steps = 1, bool FromInitial = false) : ModelStep(Output);

/// <summary>The cell state a nested LSTM's last <see cref="RecurrentStep"/> left, each sample's.</summary>
internal sealed record CellStateStep(int Layer, int Output) : ModelStep(Output);

/// <summary>An operation on each element alone.</summary>
/// <param name="A">The operation's first parameter: Clip's lower bound, Elu's alpha, LeakyRelu's alpha.</param>
/// <param name="B">Its second: Clip's upper bound.</param>
internal sealed record UnaryStep(UnaryOp Op, int Input, int Output, float A = 0, float B = 0) : ModelStep(Output);

/// <summary>An arithmetic operation of two operands, each a value of the output's width or a constant broadcast to it.</summary>
internal sealed record BinaryStep(BinaryOp Op, Operand Left, Operand Right, int Output) : ModelStep(Output);

/// <summary>Each sample's parts one after another.</summary>
internal sealed record ConcatStep(EquatableArray<int> Inputs, int Output) : ModelStep(Output);

/// <summary>Each sample's elements <c>[Start, Start + output width)</c>.</summary>
internal sealed record SliceStep(int Input, int Start, int Output) : ModelStep(Output);

/// <summary>Softmax over each run of <see cref="Row"/> elements.</summary>
internal sealed record SoftmaxStep(int Input, int Row, int Output) : ModelStep(Output);

/// <summary>The index of the largest of each run of <see cref="Row"/> elements (the first of equal ones), as an int.</summary>
internal sealed record ArgMaxStep(int Input, int Row, int Output) : ModelStep(Output);

/// <summary>
/// Normal draws shaped like another value: <c>Mean + Scale · N(0, 1)</c> per element. The draws of every random step are
/// taken before a chunk's steps run, sample by sample, then step by step, then element by element, so they do not
/// depend on <c>MaxBatch</c>.
/// </summary>
internal sealed record RandomNormalStep(float Mean, float Scale, int Output) : ModelStep(Output);

/// <summary>
/// <see cref="Samples"/> classes drawn per sample from the softmax of each row of <see cref="Row"/> unnormalized log
/// probabilities, from uniform draws taken as <see cref="RandomNormalStep"/>'s are.
/// </summary>
internal sealed record MultinomialStep(int Input, int Row, int Samples, int Output) : ModelStep(Output);

/// <summary>The same values in every sample: a tensor known at compile time (<c>ConstantOfShape</c>, <c>Expand</c> to <c>[batch, …]</c>) that a step reads.</summary>
internal sealed record FillStep(EquatableArray<float> Values, int Output) : ModelStep(Output);

/// <summary>A copy, where one value must be in two places (an output that is also another output or an input).</summary>
internal sealed record CopyStep(int Input, int Output) : ModelStep(Output);

/// <summary>
/// An operand of a binary step: a value (<see cref="Value"/> ≥ 0), or a constant of one element (a scalar) or of one
/// sample's width (one element per feature), repeated for every sample.
/// </summary>
internal sealed record Operand(int Value, EquatableArray<float>? Constant)
{
    public static Operand Of(int value) => new(value, null);

    public static Operand Const(float[] values) => new(-1, values.ToEquatableArray());

    public bool IsConstant => Constant is not null;
}

internal enum UnaryOp
{
    Relu,
    LeakyRelu,
    Elu,
    Sigmoid,
    Tanh,
    Exp,
    Log,
    Clip,
}

internal enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}

/// <summary>
/// What planning a model depends on: its declaration and the one file its path finds, or why it finds none; compared by
/// the file's identity (<see cref="WeightBytes"/>), so the graph is compiled again only when the class or its file changed.
/// </summary>
internal sealed record OnnxModelRequest(OnnxModelSpec Spec, WeightsText? File, BakeProblem? Problem)
{
    /// <summary>The model's file among <paramref name="files"/>, or why there is none.</summary>
    public static OnnxModelRequest Find(OnnxModelSpec spec, System.Collections.Generic.IEnumerable<WeightsText> files)
    {
        if (!spec.Path.EndsWith(".onnx", System.StringComparison.OrdinalIgnoreCase) && spec.Path.Trim().Length > 0)
            return new OnnxModelRequest(spec, null, new BakeProblem(BakeProblemKind.NotFound, "that is not an .onnx file, and [OnnxModel] compiles ONNX models only"));
        (WeightsText? found, string? notFound) = WeightsLookup.Find(spec.Path, System.Linq.Enumerable.ToList(files));
        if (found is null)
            return new OnnxModelRequest(spec, null, new BakeProblem(BakeProblemKind.NotFound, notFound!));
        if (found.Error is not null)
            return new OnnxModelRequest(spec, null, new BakeProblem(BakeProblemKind.Mismatch, found.Error));
        return new OnnxModelRequest(spec, found, null);
    }

    /// <summary>The spec with its plan, or with the problem to report at its attribute.</summary>
    public OnnxModelSpec Planned() => File is null ? Spec with { Problem = Problem } : OnnxModelPlanner.Plan(Spec, File);
}
