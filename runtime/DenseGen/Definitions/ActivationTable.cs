using System;
using System.Linq;

// The generator compiles this file too (see its project), in a namespace of its own as it does the weight-file readers:
// the generator writes kernels and documentation from these rows, and the runtime's ONNX reader (compiled into both)
// reads activation nodes through them, so both agree on what an activation is.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Definitions;
#else
namespace DenseGen.Definitions;
#endif

/// <summary>Where an activation's backward pass takes its derivative from.</summary>
internal enum DerivativeSource
{
    /// <summary>No activation: the gradient passes through unchanged.</summary>
    None = 0,

    /// <summary>
    /// The activation's output <c>y</c>, which <c>Forward</c> wrote: a layer's <c>Backward</c> takes it as an
    /// argument, so the layer keeps nothing of its own.
    /// </summary>
    Output = 1,

    /// <summary>
    /// The pre-activation <c>z = W x + b</c> (SiLU's derivative is not a function of its output). <c>Forward</c> does
    /// not keep <c>z</c>: the layer's <c>Backward</c> recomputes it from its input with the forward kernel, a chunk of
    /// samples at a time into the buffer where it then forms <c>dZ</c>, which costs one more matrix product per backward
    /// pass but no memory and no change to any signature.
    /// </summary>
    PreActivation = 2,
}

/// <summary>
/// How generated code applies an activation in one output mode: fused into the forward kernels as they store each
/// value, as a statement over the whole output after the matrix product, or not at all.
/// </summary>
internal sealed class ActivationForward
{
    private ActivationForward(string? fused, string? afterProduct)
    {
        FusedExpression = fused;
        AfterProductStatement = afterProduct;
    }

    /// <summary>No activation to apply.</summary>
    public static readonly ActivationForward Identity = new(null, null);

    /// <summary>
    /// Applied by the forward kernels to each value as they store it, saving a second pass over the output.
    /// <c>{value}</c> stands for the stored expression, a scalar or a <c>Vector128/256/512</c> of the element type, so
    /// the function needs an overload for each. Only the full output's vector and scalar kernels fuse.
    /// </summary>
    public static ActivationForward Fused(string expression) => new(expression, null);

    /// <summary>
    /// A statement run over the whole output once the kernels have written it (still in L1 then). <c>{T}</c> stands
    /// for the element type's keyword, <c>{output}</c> for the span and <c>{slope}</c> for leaky ReLU's slope argument
    /// (empty for the default slope).
    /// </summary>
    public static ActivationForward AfterProduct(string statement) => new(null, statement);

    public string? FusedExpression { get; }

    public string? AfterProductStatement { get; }

    public bool IsFused => FusedExpression is not null;

    /// <summary>A stored value with the fused function applied, or the value itself when nothing is fused.</summary>
    public string Fuse(string value) => FusedExpression is null ? value : FusedExpression.Replace("{value}", value);

    /// <summary>The statement after the product for one element type and output span; null when there is none.</summary>
    public string? AfterProduct(string elementKeyword, string output, string slopeArgument = "") =>
        AfterProductStatement?.Replace("{T}", elementKeyword).Replace("{output}", output).Replace("{slope}", slopeArgument);
}

/// <summary>How generated code forms <c>dZ = dY ⊙ act′</c> in <c>Backward</c>, and from what.</summary>
internal sealed class ActivationBackward
{
    private ActivationBackward(DerivativeSource source, string? statement, string? deterministicStatement = null)
    {
        Source = source;
        Statement = statement;
        DeterministicStatement = deterministicStatement ?? statement;
    }

    /// <summary>No activation: <c>dZ</c> is <c>dY</c>.</summary>
    public static readonly ActivationBackward None = new(DerivativeSource.None, null);

    /// <summary>
    /// The derivative taken from the forward's output. <c>{T}</c> stands for the element type's keyword,
    /// <c>{output}</c>, <c>{outputGradient}</c> and <c>{inputGradient}</c> for the spans of <c>y</c>, <c>dY</c> and
    /// <c>dZ</c>, and <c>{slope}</c> for leaky ReLU's slope argument (empty for the default slope).
    /// </summary>
    public static ActivationBackward FromOutput(string statement) => new(DerivativeSource.Output, statement);

    /// <summary>
    /// The derivative taken from the pre-activation: as <see cref="FromOutput"/>, with <c>{preActivation}</c> for the
    /// span of <c>z</c> instead of <c>{output}</c>, which may be the span of <c>dZ</c> itself. A derivative that needs a
    /// transcendental function has a statement of its own for deterministic layers. See
    /// <see cref="DerivativeSource.PreActivation"/>.
    /// </summary>
    public static ActivationBackward FromPreActivation(string statement, string deterministicStatement) =>
        new(DerivativeSource.PreActivation, statement, deterministicStatement);

    public DerivativeSource Source { get; }

    /// <summary>The statement of the full and portable outputs.</summary>
    public string? Statement { get; }

    /// <summary>The statement of deterministic layers: the same as <see cref="Statement"/> unless the row gives its own.</summary>
    public string? DeterministicStatement { get; }

    /// <summary>The statement for one element type, with the derivative taken from <paramref name="output"/>.</summary>
    public string StatementFromOutput(string elementKeyword, string output, string outputGradient, string inputGradient, string slopeArgument = "")
    {
        if (Source != DerivativeSource.Output || Statement is null)
            throw new InvalidOperationException($"This activation's derivative is taken from {Source}, not from the output");
        return Statement.Replace("{T}", elementKeyword).Replace("{output}", output)
            .Replace("{outputGradient}", outputGradient).Replace("{inputGradient}", inputGradient).Replace("{slope}", slopeArgument);
    }

    /// <summary>The statement for one element type and output mode, with the derivative taken from <paramref name="preActivation"/>.</summary>
    public string StatementFromPreActivation(string elementKeyword, bool deterministic, string preActivation, string outputGradient, string inputGradient)
    {
        if (Source != DerivativeSource.PreActivation || Statement is null || DeterministicStatement is null)
            throw new InvalidOperationException($"This activation's derivative is taken from {Source}, not from the pre-activation");
        return (deterministic ? DeterministicStatement : Statement).Replace("{T}", elementKeyword).Replace("{preActivation}", preActivation)
            .Replace("{outputGradient}", outputGradient).Replace("{inputGradient}", inputGradient);
    }
}

/// <summary>
/// A float attribute an ONNX activation node may carry, and the one value of it DenseGen's activation computes.
/// </summary>
/// <remarks>
/// A node whose attribute differs is refused: "node 'n' (LeakyRelu) has alpha 0.2; DenseGen's leaky ReLU has slope
/// 0.01". The comparison is in float, as ONNX stores the attribute; leaky ReLU's slope is the layer's own.
/// </remarks>
internal sealed class OnnxFloatAttribute
{
    public OnnxFloatAttribute(string name, float value, float whenAbsent, string meaning, bool isLayerSlope = false)
    {
        Name = name;
        Value = value;
        WhenAbsent = whenAbsent;
        Meaning = meaning;
        IsLayerSlope = isLayerSlope;
    }

    /// <summary>The attribute's name in the ONNX operator: <c>alpha</c>.</summary>
    public string Name { get; }

    /// <summary>The value DenseGen's activation has.</summary>
    public float Value { get; }

    /// <summary>The operator's default, which a node without the attribute has.</summary>
    public float WhenAbsent { get; }

    /// <summary>What DenseGen calls the value in messages: <c>slope</c>.</summary>
    public string Meaning { get; }

    /// <summary>
    /// Whether the value is the layer's own negative slope (<c>[Dense(NegativeSlope = ...)]</c>, the expected layer's
    /// <c>NegativeSlope</c>) rather than <see cref="Value"/>, which is then the default slope.
    /// </summary>
    public bool IsLayerSlope { get; }
}

/// <summary>The ONNX operator an activation is exported as, and the attributes it must have.</summary>
internal sealed class OnnxActivation
{
    public OnnxActivation(string opType, params OnnxFloatAttribute[] attributes)
    {
        OpType = opType;
        Attributes = attributes;
    }

    /// <summary>The node's op type in the default domain: <c>Relu</c>, <c>LeakyRelu</c>.</summary>
    public string OpType { get; }

    public OnnxFloatAttribute[] Attributes { get; }
}

/// <summary>Everything DenseGen knows of one activation, in the runtime and in the generator.</summary>
internal sealed class ActivationRow
{
    public ActivationRow(
        int value,
        string name,
        string prose,
        string formula,
        ActivationForward full,
        ActivationForward portable,
        ActivationForward deterministic,
        ActivationBackward backward,
        OnnxActivation? onnx)
    {
        Value = value;
        Name = name;
        Prose = prose;
        Formula = formula;
        Full = full;
        Portable = portable;
        Deterministic = deterministic;
        Backward = backward;
        Onnx = onnx;
    }

    /// <summary>Its value, the same as the runtime's <c>DenseGen.Activation</c> member's (a test checks that they agree).</summary>
    public int Value { get; }

    /// <summary>The member name in the runtime's <c>Activation</c> enum, and in weight files' architecture text.</summary>
    public string Name { get; }

    /// <summary>How a sentence names it: <c>leaky ReLU</c>.</summary>
    public string Prose { get; }

    /// <summary>How the generated docs write it: <c>relu</c> in <c>y = relu(W x + b)</c>; empty for none.</summary>
    public string Formula { get; }

    /// <summary>The forward in full output (.NET 8+) without <c>Deterministic</c>: the only mode whose kernels fuse.</summary>
    public ActivationForward Full { get; }

    /// <summary>The forward in portable output (.NET Standard, Unity) without <c>Deterministic</c>.</summary>
    public ActivationForward Portable { get; }

    /// <summary>The forward of a deterministic layer, in either output: functions that give the same bits on every machine.</summary>
    public ActivationForward Deterministic { get; }

    /// <summary>Where its derivative comes from, and the statement that forms <c>dZ</c> (deterministic layers' own where the row gives one).</summary>
    public ActivationBackward Backward { get; }

    /// <summary>The ONNX operator a graph applies it with; null when no single operator is imported as it.</summary>
    public OnnxActivation? Onnx { get; }
}

/// <summary>
/// Every activation, one row each: what the generator's parser accepts, what DG0013 suggests, what the generated docs
/// write, what the kernels apply in each output mode, where the backward pass takes the derivative from, and which
/// ONNX operator the ONNX reader maps to it. The runtime's own functions (<c>Activations</c>,
/// <c>DeterministicActivations</c>, <c>VectorMath</c>) are what the rows' statements call.
/// </summary>
internal static class ActivationTable
{
    /// <summary>Leaky ReLU's slope for negative inputs: PyTorch's default, and ONNX's.</summary>
    public const double LeakyReLUSlope = 0.01;

    private const string Runtime = "global::DenseGen.Activations";
    private const string CompilerServices = "global::DenseGen.CompilerServices";

    /// <summary>One row per activation, in the order of their values (0, 1, 2, ...), so a value indexes its row.</summary>
    public static readonly ActivationRow[] All =
    {
        new(0, "None", prose: "no activation", formula: "",
            full: ActivationForward.Identity,
            portable: ActivationForward.Identity,
            deterministic: ActivationForward.Identity,
            backward: ActivationBackward.None,
            onnx: null),
        new(1, "ReLU", prose: "ReLU", formula: "relu",
            full: ActivationForward.Fused(CompilerServices + ".VectorMath.ReLU({value})"),
            portable: ActivationForward.AfterProduct(Runtime + ".ReLU<{T}>({output});"),
            deterministic: ActivationForward.AfterProduct(Runtime + ".ReLU<{T}>({output});"),
            backward: ActivationBackward.FromOutput(Runtime + ".ReLUBackward<{T}>({output}, {outputGradient}, {inputGradient});"),
            onnx: new OnnxActivation("Relu")),
        new(2, "LeakyReLU", prose: "leaky ReLU", formula: "leaky_relu",
            full: ActivationForward.AfterProduct(Runtime + ".LeakyReLU<{T}>({output}{slope});"),
            portable: ActivationForward.AfterProduct(Runtime + ".LeakyReLU<{T}>({output}{slope});"),
            deterministic: ActivationForward.AfterProduct(Runtime + ".LeakyReLU<{T}>({output}{slope});"),
            backward: ActivationBackward.FromOutput(Runtime + ".LeakyReLUBackward<{T}>({output}, {outputGradient}, {inputGradient}{slope});"),
            onnx: new OnnxActivation("LeakyRelu", new OnnxFloatAttribute("alpha", (float)LeakyReLUSlope, whenAbsent: 0.01f, meaning: "slope", isLayerSlope: true))),
        new(3, "Sigmoid", prose: "sigmoid", formula: "sigmoid",
            full: ActivationForward.AfterProduct(Runtime + ".Sigmoid<{T}>({output});"),
            portable: ActivationForward.AfterProduct(Runtime + ".Sigmoid<{T}>({output});"),
            deterministic: ActivationForward.AfterProduct(CompilerServices + ".DeterministicActivations.Sigmoid({output});"),
            backward: ActivationBackward.FromOutput(Runtime + ".SigmoidBackward<{T}>({output}, {outputGradient}, {inputGradient});"),
            onnx: new OnnxActivation("Sigmoid")),
        new(4, "Tanh", prose: "tanh", formula: "tanh",
            full: ActivationForward.AfterProduct(Runtime + ".Tanh<{T}>({output});"),
            portable: ActivationForward.AfterProduct(Runtime + ".Tanh<{T}>({output});"),
            deterministic: ActivationForward.AfterProduct(CompilerServices + ".DeterministicActivations.Tanh({output});"),
            backward: ActivationBackward.FromOutput(Runtime + ".TanhBackward<{T}>({output}, {outputGradient}, {inputGradient});"),
            onnx: new OnnxActivation("Tanh")),
        // DenseGen's own e^z − 1, which does not cancel near 0: in vectors in the full and portable outputs, the
        // deterministic function in deterministic layers.
        new(5, "ELU", prose: "ELU", formula: "elu",
            full: ActivationForward.AfterProduct(Runtime + ".ELU<{T}>({output});"),
            portable: ActivationForward.AfterProduct(Runtime + ".ELU<{T}>({output});"),
            deterministic: ActivationForward.AfterProduct(CompilerServices + ".DeterministicActivations.ELU({output});"),
            backward: ActivationBackward.FromOutput(Runtime + ".ELUBackward<{T}>({output}, {outputGradient}, {inputGradient});"),
            onnx: new OnnxActivation("Elu", new OnnxFloatAttribute("alpha", 1f, whenAbsent: 1f, meaning: "alpha"))),
        // Its derivative needs z, which Backward recomputes (DerivativeSource.PreActivation). No single ONNX operator of the
        // opsets DenseGen reads is SiLU: exporters write Mul(z, Sigmoid(z)), which the ONNX reader's dense mapping reads as it.
        new(6, "SiLU", prose: "SiLU", formula: "silu",
            full: ActivationForward.AfterProduct(Runtime + ".SiLU<{T}>({output});"),
            portable: ActivationForward.AfterProduct(Runtime + ".SiLU<{T}>({output});"),
            deterministic: ActivationForward.AfterProduct(CompilerServices + ".DeterministicActivations.SiLU({output});"),
            backward: ActivationBackward.FromPreActivation(
                Runtime + ".SiLUBackward<{T}>({preActivation}, {outputGradient}, {inputGradient});",
                CompilerServices + ".DeterministicActivations.SiLUBackward({preActivation}, {outputGradient}, {inputGradient});"),
            onnx: null),
    };

    /// <summary>Whether a value is one of the runtime's <c>Activation</c> members.</summary>
    public static bool IsDefined(int value) => value >= 0 && value < All.Length;

    /// <summary>The row of a defined value.</summary>
    public static ActivationRow Of(int value) => All[value];

    /// <summary>The row whose activation an ONNX node of this op type applies; null when none does.</summary>
    public static ActivationRow? FromOnnxOp(string opType) =>
        All.FirstOrDefault(row => row.Onnx is not null && string.Equals(row.Onnx.OpType, opType, StringComparison.Ordinal));

    /// <summary>The ONNX op types of the activations, in the table's order: "Relu, LeakyRelu, Sigmoid, Tanh, Elu" (SiLU has none).</summary>
    public static string OnnxOpList() => string.Join(", ", All.Where(row => row.Onnx is not null).Select(row => row.Onnx!.OpType));

    /// <summary>The names as DG0013 suggests them: "None, ReLU, LeakyReLU, Sigmoid, Tanh, ELU or SiLU".</summary>
    public static string NameList() =>
        string.Join(", ", All.Take(All.Length - 1).Select(a => a.Name)) + " or " + All[All.Length - 1].Name;
}
