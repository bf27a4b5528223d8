using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using DenseGen.Generator.Formats;
using DenseGen.Generator.Layers;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Layers.Standardize;
using DenseGen.Generator.Model;
using DenseGen.Generator.Networks;

namespace DenseGen.Generator.Models;

/// <summary>
/// Compiles an ONNX graph into a <see cref="ModelPlan"/>: the nodes the selected outputs need, each sample's shape of
/// every value (the batch is the leading dimension of every graph input and never enters a plan), and steps in the
/// graph's order. A <c>Gemm</c> or <c>MatMul</c> (with the <c>Add</c> of a bias) becomes a dense layer, taking with it the
/// activation that alone reads its result (SiLU as <c>Mul(z, Sigmoid(z))</c>); <c>Sub</c> of a mean then <c>Div</c> by
/// a positive std, then a symmetric <c>Clip</c>, becomes a standardizing layer. The normalizer, ReLU, leaky ReLU and the
/// bias compute the IEEE operations the nodes name, in their order; a fused sigmoid, tanh, ELU or SiLU is the layer's
/// vector function, within a few ulps of the nodes' (SiLU as z / (1 + e^−z)). Everything else is a step of its own.
/// </summary>
/// <remarks>
/// Every way a graph cannot be compiled is an <see cref="InvalidDataException"/> whose message names the node (the
/// readers refuse malformed files the same way), which the generator reports at the attribute; the planner never
/// recurses on the graph, so no file can make it overflow the stack.
/// </remarks>
internal sealed partial class OnnxModelPlanner
{
    /// <summary>The operators the planner compiles, as messages list them.</summary>
    public static readonly string[] SupportedOps =
    [
        "Add", "ArgMax", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape", "Div", "Elu", "Exp", "Expand", "Flatten",
        "Gather", "Gemm", "GRU", "Identity", "LeakyRelu", "Log", "LSTM", "MatMul", "Mul", "Multinomial", "RandomNormalLike", "Relu", "Reshape",
        "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze",
    ];

    private readonly OnnxModelSpec _spec;
    private readonly string _source;
    private readonly OnnxGraph _graph;
    private readonly long _opset;
    private readonly HashSet<OnnxNode> _needed = new();
    private readonly HashSet<OnnxNode> _done = new();
    private readonly HashSet<string> _selected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PlanValue> _values = new(StringComparer.Ordinal);
    private readonly List<ModelValue> _modelValues = new();
    private readonly List<ModelStep> _steps = new();
    private readonly List<ModelLayer> _layers = new();
    private readonly List<float> _weights = new();

    // What LoadOnnx needs: the architecture, each initializer's slot in it, and where folded constants come from.
    private readonly OnnxSignature _signature;
    private readonly Dictionary<OnnxTensor, int> _slots = new();
    private readonly Dictionary<OnnxTensor, ElementSource[]> _foldedSources = new();
    private readonly LoadRecipe _recipe = new();

    // Whether every input fixes the batch at 1; then ONNX counts the batch among a tensor's dimensions of size 1.
    private bool _batchOfOne;

    // Samples per chunk, which a recurrent node's nested layer keeps state for.
    private int _maxBatch;

    /// <summary>
    /// A graph value as the planner sees it: where it is held and one sample's shape. Its ONNX shape has the batch at
    /// <see cref="BatchAxis"/> (a recurrent node's time-major <c>[steps, batch, In]</c> has it second), but the class
    /// holds every value sample by sample, <c>[batch, ...Dims]</c>, whatever that axis: moving the batch moves nothing,
    /// and only ops that know where the batch is take a value whose batch is not first.
    /// </summary>
    private sealed class PlanValue(int storage, int[] dims, bool isInteger, int batchAxis = 0)
    {
        public int BatchAxis { get; } = batchAxis;

        public int Storage { get; } = storage;

        public int[] Dims { get; } = dims;

        public bool IsInteger { get; } = isInteger;

        /// <summary>Elements of one sample; <see cref="NewValue"/> keeps it within <see cref="MaxWidth"/>, so the product does not overflow.</summary>
        public int Width => Dims.Aggregate(1, (product, d) => product * d);

        public string Shape => "[" + string.Join(", ", Dims.Take(BatchAxis).Select(d => d.ToString(CultureInfo.InvariantCulture)).Concat(["batch"]).Concat(Dims.Skip(BatchAxis).Select(d => d.ToString(CultureInfo.InvariantCulture)))) + "]";
    }

    private OnnxModelPlanner(OnnxModelSpec spec, string source, OnnxModel model)
    {
        _spec = spec;
        _source = source;
        _graph = OnnxGraph.Build(model, source);
        _opset = model.OpsetVersion;
        _signature = OnnxSignature.Of(model);
        for (int slot = 0; slot < _signature.Slots.Count; slot++)
            _slots[_signature.Slots[slot]] = slot;
    }

    /// <summary>The spec with its plan, or with the problem the generator reports at the attribute.</summary>
    public static OnnxModelSpec Plan(OnnxModelSpec spec, WeightsText file)
    {
        try
        {
            OnnxModel model = OnnxModel.Parse(file.Bytes.ToArray(), file.Name, safetensorsAdvice: "[OnnxModel] reads ONNX files only");
            return spec with { Plan = new OnnxModelPlanner(spec, file.Name, model).Build(model) };
        }
        catch (InvalidDataException exception)
        {
            return spec with { Problem = new BakeProblem(BakeProblemKind.Mismatch, exception.Message.TrimEnd('.')) };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Never into the compiler: anything else is a bug in DenseGen, reported as DG0010.
            return spec with { Problem = new BakeProblem(BakeProblemKind.Internal, "compiling the ONNX graph failed: " + exception.GetType().Name + ": " + exception.Message) };
        }
    }

    private ModelPlan Build(OnnxModel model)
    {
        (List<string> computed, List<(string Name, OnnxTensor Value)> constants) = ClassifyOutputs(model);
        List<string> selected = Select(model, computed, constants);
        foreach (string name in selected)
            _selected.Add(_graph.Resolve(name));
        MarkNeeded();

        int maxBatch = _spec.MaxBatch ?? SequentialDefaultMaxBatch;
        _maxBatch = maxBatch;
        var inputs = new List<(OnnxValueInfo Info, PlanValue Value)>();
        bool fixedAtOne = true;
        foreach (OnnxValueInfo input in _graph.DataInputs)
        {
            if (!IsRead(input.Name))
                continue;
            (PlanValue value, bool batchOfOne) = DeclareInput(input);
            fixedAtOne &= batchOfOne;
            inputs.Add((input, value));
        }
        if (inputs.Count == 0)
            throw Invalid("its outputs read no graph input: [OnnxModel] computes outputs from inputs; the constant outputs need no model");
        if (fixedAtOne)
        {
            if (_spec.MaxBatch is > 1)
                throw Invalid($"every input it reads fixes its leading dimension at 1 ({string.Join(", ", inputs.Select(i => "'" + i.Info.Name + "' " + i.Info.ShapeText))}), so the model takes one sample at a time: remove MaxBatch = {_spec.MaxBatch}, or set it to 1");
            maxBatch = 1;
            _maxBatch = 1;
        }
        _batchOfOne = fixedAtOne;

        // Checked once for every node the outputs need, so that no fusion below can take someone else's op for ONNX's.
        if (_graph.Nodes.FirstOrDefault(node => _needed.Contains(node) && node.Domain is not ("" or "ai.onnx")) is { } foreign)
            throw Unsupported(foreign, $"is of the domain '{foreign.Domain}'");
        SetAsideShapeComputedStates();
        foreach (OnnxNode node in _graph.Nodes)
        {
            if (_needed.Contains(node) && !_done.Contains(node))
                Compile(node);
        }

        if (_modelValues.FirstOrDefault(v => (long)maxBatch * v.Width > LayerLimits.MaxElements) is { } widest)
            throw Invalid($"MaxBatch = {maxBatch} samples of a value of {widest.Width} elements would not fit one array; lower MaxBatch");

        var outputs = new List<(string Name, PlanValue Value)>();
        var bound = new HashSet<int>(inputs.Select(i => i.Value.Storage));
        foreach (string name in selected)
        {
            PlanValue value = Lookup(_graph.Resolve(name), $"the output '{name}'");
            // Forward writes each sample's values together, which is ONNX's layout only while nothing larger than 1 precedes the batch.
            if (value.Dims.Take(value.BatchAxis).Any(d => d != 1))
                throw Invalid($"the output '{name}' is {value.Shape}, the batch behind a dimension larger than 1, and [OnnxModel] writes each sample's values together: transpose it to [batch, …] in the export (as a batch_first module's output is)");
            CheckDeclaredShape(model.Outputs.First(o => o.Name == name), value);
            if (!bound.Add(value.Storage))
            {
                // Already an input or another output: this output gets its own copy.
                PlanValue copy = NewValue(value.Dims, value.IsInteger);
                _steps.Add(new CopyStep(value.Storage, copy.Storage));
                value = copy;
                bound.Add(copy.Storage);
            }
            outputs.Add((name, value));
        }

        var modelInputs = inputs.Select(i => new ModelInput(i.Info.Name, ModelNames.Parameter(i.Info.Name), ModelNames.Pascal(i.Info.Name) + "Size", i.Value.Storage)).ToList();
        var modelOutputs = outputs.Select(o => new ModelOutput(o.Name, ModelNames.Parameter(o.Name), ModelNames.Pascal(o.Name) + "Size", o.Value.Storage)).ToList();
        var modelConstants = constants.Select(c => ConstantOf(c.Name, c.Value)).ToList();
        CheckNames(modelInputs, modelOutputs, modelConstants);
        return new ModelPlan(
            maxBatch,
            modelInputs.ToEquatableArray(),
            modelOutputs.ToEquatableArray(),
            modelConstants.ToEquatableArray(),
            _modelValues.ToEquatableArray(),
            _steps.ToEquatableArray(),
            _layers.ToEquatableArray(),
            WeightBytes.Own(LittleEndianBytes(_weights)),
            _recipe.Build(_signature.Text));
    }

    /// <summary>
    /// Two graph names that map to one C# name, or a generated name that is the class's own member or one of the
    /// generated members, are refused naming both: a parameter would be declared twice, or a member hidden.
    /// </summary>
    private void CheckNames(List<ModelInput> inputs, List<ModelOutput> outputs, List<ModelConstant> constants)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string graphName, string parameter) in inputs.Select(i => (i.GraphName, i.Parameter)).Concat(outputs.Select(o => (o.GraphName, o.Parameter))))
        {
            if (parameters.TryGetValue(parameter, out string? other))
                throw Invalid($"the graph names '{other}' and '{graphName}' both become the parameter '{parameter}' of Forward; rename one in the export, or leave one out with Outputs");
            parameters.Add(parameter, graphName);
        }
        if (_steps.Any(step => step is RandomNormalStep or MultinomialStep) && parameters.TryGetValue(OnnxModelMembers.RandomParameter, out string? named))
            throw Invalid($"the graph name '{named}' becomes the parameter '{OnnxModelMembers.RandomParameter}' of Forward, which is the random generator's; rename it in the export");
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string generated in OnnxModelMembers.Fixed)
            members.Add(generated, "the generated member " + generated);
        foreach ((string graphName, string member) in inputs.Select(i => (i.GraphName, i.SizeConstant))
            .Concat(outputs.Select(o => (o.GraphName, o.SizeConstant)))
            .Concat(constants.Select(c => (c.GraphName, c.Identifier))))
        {
            if (members.TryGetValue(member, out string? other))
                throw Invalid($"the graph name '{graphName}' becomes the member '{member}', as {other} does; rename one in the export");
            if (_spec.UserMembers.Contains(member))
                throw Invalid($"the graph name '{graphName}' becomes the member '{member}', which '{_spec.TypeName}' declares itself; rename that member");
            if (member == _spec.TypeName)
                throw Invalid($"the graph name '{graphName}' becomes the member '{member}', the name of the class itself, which C# does not allow; rename the class");
            members.Add(member, $"the graph name '{graphName}'");
        }
        if (OnnxModelMembers.Fixed.FirstOrDefault(_spec.UserMembers.Contains) is { } declared)
            throw Invalid($"'{_spec.TypeName}' declares a member '{declared}', which the generated class has; rename it");
        // A parameter of a member's name would hide the member inside Forward, which reads the size constants.
        if (parameters.FirstOrDefault(p => members.ContainsKey(p.Key)) is { Key: not null } hiding)
            throw Invalid($"the graph name '{hiding.Value}' becomes the parameter '{hiding.Key}', which is also the name of {members[hiding.Key]}; rename it in the export");
    }

    /// <summary>
    /// An output's declared shape against the inferred one, in every dimension but the batch: a known size that differs
    /// is refused (the file contradicts itself, or the inference is wrong), a symbolic one means nothing. A declared shape
    /// of another rank (exporters write some outputs flatter or with more 1s) is held only to the same number of elements.
    /// </summary>
    private void CheckDeclaredShape(OnnxValueInfo output, PlanValue value)
    {
        if (output.Shape is not { Length: > 0 } declared)
            return;
        OnnxDimension[] sample = declared.Skip(1).ToArray();
        bool differs = sample.Length == value.Dims.Length
            ? sample.Where((d, i) => d.IsKnown && d.Value != value.Dims[i]).Any()
            : sample.All(d => d.IsKnown) && sample.Aggregate(1L, (p, d) => p * Math.Max(d.Value, 0)) != value.Width;
        if (differs)
            throw Invalid($"the output '{output.Name}' is declared {output.ShapeText}, but its nodes compute {value.Shape}");
    }

    private static byte[] LittleEndianBytes(List<float> values)
    {
        byte[] bytes = MemoryMarshal.AsBytes(values.ToArray().AsSpan()).ToArray();
        LittleEndian.SwapOnBigEndian(bytes, sizeof(float));
        return bytes;
    }

    /// <summary>The runtime's <c>SequentialAttribute.DefaultMaxBatch</c>.</summary>
    private const int SequentialDefaultMaxBatch = NetworkParser.DefaultMaxBatch;

    // ---- outputs and the nodes they need ----

    private (List<string> Computed, List<(string Name, OnnxTensor Value)> Constants) ClassifyOutputs(OnnxModel model)
    {
        var computed = new List<string>();
        var constants = new List<(string, OnnxTensor)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxValueInfo output in model.Outputs)
        {
            if (!seen.Add(output.Name))
                continue;
            if (_graph.TryGetConstant(output.Name, out OnnxTensor constant))
                constants.Add((output.Name, constant));
            else if (!IsDataInput(_graph.Resolve(output.Name)))
                computed.Add(output.Name);
        }
        return (computed, constants);
    }

    private List<string> Select(OnnxModel model, List<string> computed, List<(string Name, OnnxTensor Value)> constants)
    {
        if (_spec.Outputs is not { } wanted)
        {
            if (computed.Count == 0)
                throw Invalid("it computes nothing: every graph output is a constant or a copy of an input");
            return computed;
        }
        if (wanted.Count == 0)
            throw Invalid("Outputs is empty: name at least one graph output, or remove Outputs to compute every one");
        var selected = new List<string>();
        foreach (string name in wanted)
        {
            if (selected.Contains(name))
                throw Invalid($"Outputs names '{name}' twice");
            if (computed.Contains(name))
                selected.Add(name);
            else if (constants.Any(c => c.Name == name))
                throw Invalid($"the output '{name}' is a constant, which the class has as {ModelNames.Pascal(name)}; remove it from Outputs");
            else if (model.Outputs.Any(o => o.Name == name))
                throw Invalid($"the output '{name}' is a copy of the input '{_graph.Resolve(name)}'; remove it from Outputs");
            else
                throw Invalid($"the graph has no output '{name}'; its outputs are {string.Join(", ", model.Outputs.Select(o => "'" + o.Name + "'").Distinct())}");
        }
        // In the graph's order, whatever order Outputs lists them in.
        return computed.Where(selected.Contains).ToList();
    }

    /// <summary>Every node the selected outputs need, found by walking producers back from them (with a worklist, not recursion).</summary>
    private void MarkNeeded()
    {
        var work = new Stack<string>(_selected);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        while (work.Count > 0)
        {
            string name = _graph.Resolve(work.Pop());
            if (!visited.Add(name) || _graph.Producer(name) is not { } node || !_needed.Add(node))
                continue;
            foreach (string input in node.Inputs)
            {
                if (input.Length > 0)
                    work.Push(input);
            }
        }
    }

    private bool IsRead(string input) =>
        _selected.Contains(input) || _graph.Consumers(input).Any(_needed.Contains);

    private bool IsDataInput(string name) => _graph.DataInputs.Any(input => input.Name == name);

    private (PlanValue Value, bool BatchOfOne) DeclareInput(OnnxValueInfo input)
    {
        string what = $"the input '{input.Name}'";
        if (input.ElementType != OnnxTensor.Float)
            throw Invalid($"{what} is not a float32 tensor; [OnnxModel] takes float inputs");
        if (input.Shape is not { Length: > 0 } shape)
            throw Invalid($"{what} declares no shape ({input.ShapeText}); [OnnxModel] needs [batch, ...] with every other dimension known");
        if (shape[0].IsKnown && shape[0].Value != 1)
            throw Invalid($"{what} has the shape {input.ShapeText}, whose leading dimension is fixed at {shape[0]}; [OnnxModel] reads the leading dimension as the batch, which may be any size (a name) or 1");
        var dims = new int[shape.Length - 1];
        for (int i = 1; i < shape.Length; i++)
        {
            if (!shape[i].IsKnown || shape[i].Value < 1 || shape[i].Value > LayerLimits.MaxElements)
            {
                // A dynamic sequence length is the usual cause where the graph runs a recurrent node: say which and what to do.
                string recurrent = _graph.Nodes.FirstOrDefault(n => _needed.Contains(n) && n.OpType is "LSTM" or "GRU") is { } node
                    ? $"; {node.Describe()} runs a constant number of time steps, so export the model with a fixed sequence length (no dynamic axis but the batch)"
                    : "";
                throw Invalid($"{what} has the shape {input.ShapeText}; every dimension after the batch must be a known positive size{recurrent}");
            }
            dims[i - 1] = (int)shape[i].Value;
        }
        PlanValue value = NewValue(dims, isInteger: false);
        _values[input.Name] = value;
        return (value, shape[0].IsKnown);
    }

    // ---- nodes ----

    /// <summary>Compiles one node of ONNX's own domain (<see cref="Build"/> refuses any other) that no fusion took.</summary>
    private void Compile(OnnxNode node)
    {
        if (TryFold(node))
        {
            _done.Add(node);
            return;
        }
        switch (node.OpType)
        {
            case "Gemm":
                CompileGemm(node);
                break;
            case "MatMul":
                CompileMatMul(node);
                break;
            case "Sub" when TryStandardize(node):
                break;
            case "Add" or "Sub" or "Mul" or "Div":
                CompileBinary(node);
                break;
            case "Relu" or "Sigmoid" or "Tanh" or "Exp" or "Log" or "Elu" or "LeakyRelu" or "Clip":
                CompileUnary(node);
                break;
            case "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze" or "Transpose":
                CompileReshape(node);
                break;
            case "Concat":
                CompileConcat(node);
                break;
            case "Slice":
                CompileSlice(node);
                break;
            case "Softmax":
                CompileSoftmax(node);
                break;
            case "ArgMax":
                CompileArgMax(node);
                break;
            case "RandomNormalLike":
                CompileRandomNormal(node);
                break;
            case "Multinomial":
                CompileMultinomial(node);
                break;
            case "LSTM" or "GRU":
                CompileRecurrent(node);
                break;
            case "Gather" when node.Inputs.Length > 0 && _values.ContainsKey(_graph.Resolve(node.Inputs[0])):
                CompileGather(node);
                break;
            case "Shape" or "Gather" or "Cast" or "ConstantOfShape" or "Expand":
                throw Unsupported(node, "takes a value computed from an input, or misses an input; [OnnxModel] evaluates it only on shapes and constants, at compile time");
            default:
                throw Unsupported(node, "is not an operator [OnnxModel] compiles");
        }
        _done.Add(node);
    }

    private void CompileGemm(OnnxNode node)
    {
        ExpectInputs(node, 2, 3);
        if (Int(node, "transA", 0) != 0)
            throw Unsupported(node, "has transA = 1; [OnnxModel] compiles Gemm with transA = 0, the batch along the rows of A");
        CheckUnitAttribute(node, "alpha");
        CheckUnitAttribute(node, "beta");
        PlanValue x = FlatInput(node, 0);
        OnnxTensor b = Constant(node, 1, "its weight B");
        bool transB = Int(node, "transB", 0) != 0;
        if (b.Dims.Length != 2 || b.Dims[transB ? 1 : 0] != x.Width)
            throw Unsupported(node, $"multiplies {x.Shape} by B of shape {b.Shape}{(transB ? " transposed" : "")}; B must be [{x.Width}, N] ([N, {x.Width}] with transB = 1)");
        int outputs = (int)b.Dims[transB ? 0 : 1];
        if (outputs < 1)
            throw Unsupported(node, $"has B of shape {b.Shape}, which makes no outputs");
        float[] weight = transB ? Floats(node, b) : Transpose(Floats(node, b), x.Width, outputs);
        Func<int, ElementSource>? weightSources = transB ? SourcesOf(b) : TransposedSources(b, x.Width, outputs);
        float[]? bias = null;
        Func<int, ElementSource>? biasSources = null;
        if (node.Inputs.Length > 2 && node.Inputs[2].Length > 0)
        {
            OnnxTensor c = Constant(node, 2, "its bias C");
            bias = BiasOf(node, c, outputs);
            biasSources = BiasSources(c);
        }
        AddDense(node, x, x.Width, (weight, weightSources), bias is null ? null : (bias, biasSources), outputs, node.Outputs[0]);
    }

    /// <summary>
    /// A MatMul by a constant <c>[K, N]</c>: of each sample's row <c>[batch, K]</c>, or of every row of a sample
    /// <c>[batch, …, K]</c> (a linear layer applied at every time step of a recurrent node's output, wherever the batch
    /// stands before the last axis): a dense layer of K inputs run on every row, since values are held sample by sample.
    /// </summary>
    private void CompileMatMul(OnnxNode node)
    {
        ExpectInputs(node, 2, 2);
        PlanValue x = Input(node, 0);
        if (x.IsInteger)
            throw Unsupported(node, "multiplies integers");
        if (x.BatchAxis == x.Dims.Length)
            throw Unsupported(node, $"multiplies {x.Shape}, whose last axis is the batch; [OnnxModel] multiplies each sample's rows of features ([batch, K] or [batch, …, K])");
        int inputs = x.Dims[x.Dims.Length - 1];
        OnnxTensor b = Constant(node, 1, "its second operand");
        if (b.Dims.Length != 2 || b.Dims[0] != inputs)
            throw Unsupported(node, $"multiplies {x.Shape} by a constant of shape {b.Shape}; [OnnxModel] compiles a MatMul of [batch, K] (or [batch, …, K]) by a constant [K, N]");
        int outputs = (int)b.Dims[1];
        if (outputs < 1)
            throw Unsupported(node, $"has a second operand of shape {b.Shape}, which makes no outputs");
        float[] weight = Transpose(Floats(node, b), inputs, outputs);
        string result = node.Outputs[0];
        float[]? bias = null;
        Func<int, ElementSource>? biasSources = null;
        // The bias PyTorch exports after a MatMul: an Add of a constant [N] that alone reads the product.
        if (!_selected.Contains(_graph.Resolve(result)) && OnlyTaker(result) is { OpType: "Add" } add && add.Inputs.Length == 2)
        {
            int other = _graph.Resolve(add.Inputs[0]) == _graph.Resolve(result) ? 1 : 0;
            if (TryConstant(add.Inputs[other], out OnnxTensor c) && IsPerFeature(c, outputs) && c.Floats is not null)
            {
                bias = BiasOf(add, c, outputs);
                biasSources = BiasSources(c);
                _done.Add(add);
                result = add.Outputs[0];
            }
        }
        AddDense(node, x, inputs, (weight, TransposedSources(b, inputs, outputs)), bias is null ? null : (bias, biasSources), outputs, result);
    }

    /// <summary>
    /// A dense layer of <paramref name="inputs"/> to <paramref name="outputs"/> from <paramref name="x"/> to
    /// <paramref name="result"/>, run on each of x's rows of <paramref name="inputs"/> (one per sample, or a sample's
    /// every row), taking the activation that alone reads it.
    /// </summary>
    private void AddDense(OnnxNode node, PlanValue x, int inputs, (float[] Values, Func<int, ElementSource>? Sources) weight,
        (float[] Values, Func<int, ElementSource>? Sources)? bias, int outputs, string result)
    {
        ActivationKind activation = ActivationKind.None;
        if (!_selected.Contains(_graph.Resolve(result)) && LayerLimits.ActivationFitsScratch(outputs, sizeof(float)))
        {
            List<OnnxNode> takers = NeededTakers(result);
            if (takers.Count == 1 && FusableActivation(takers[0]) is { } single)
            {
                activation = single;
                _done.Add(takers[0]);
                result = takers[0].Outputs[0];
            }
            else if (SiLUOf(result, takers) is { } mul)
            {
                activation = ActivationKind.FromValue(ActivationValue("SiLU"));
                foreach (OnnxNode taker in takers)
                    _done.Add(taker);
                result = mul.Outputs[0];
            }
        }
        if ((long)inputs * outputs > LayerLimits.MaxElements)
            throw Unsupported(node, $"has {inputs} × {outputs} weights, more than one array holds");
        int index = _layers.Count;
        var layer = new DenseSpec(
            Namespace: _spec.Namespace,
            ContainingTypes: LayerContainers,
            TypeName: "__DenseLayer" + index.ToString(CultureInfo.InvariantCulture),
            IsStruct: false,
            Element: ElementKind.Float32,
            In: inputs,
            Out: outputs,
            FullUnroll: false,
            Activation: activation,
            Trainable: false,
            Deterministic: _spec.Deterministic,
            RequiresDeterministicMode: _spec.RequiresDeterministicMode,
            Bias: bias is not null,
            HasBackward: false,
            KeepsTransposedWeights: true);
        _layers.Add(new ModelLayer("__denseLayer" + index.ToString(CultureInfo.InvariantCulture), layer, node.Describe()));
        _weights.AddRange(weight.Values);
        if (bias is { } b)
        {
            _weights.AddRange(b.Values);
            AddLayerTargets(index, layer, node, weight, b);
        }
        else
        {
            AddLayerTargets(index, layer, node, weight);
        }
        // The rows keep their shape and the batch its axis: [batch, …, K] → [batch, …, N].
        PlanValue y = NewValue([.. x.Dims.Take(x.Dims.Length - 1), outputs], isInteger: false, x.BatchAxis);
        _steps.Add(new LayerStep(index, x.Storage, y.Storage));
        Define(result, y);
    }

    /// <summary>The activation a dense layer can take on from this node, or null.</summary>
    private ActivationKind? FusableActivation(OnnxNode node)
    {
        if (node.Inputs.Length != 1)
            return null;
        switch (node.OpType)
        {
            case "Relu":
                return ActivationKind.FromValue(ActivationValue("ReLU"));
            case "Sigmoid":
                return ActivationKind.FromValue(ActivationValue("Sigmoid"));
            case "Tanh":
                return ActivationKind.FromValue(ActivationValue("Tanh"));
            case "Elu" when Float(node, "alpha", 1f) == 1f:
                return ActivationKind.FromValue(ActivationValue("ELU"));
            case "LeakyRelu":
                float alpha = Float(node, "alpha", 0.01f);
                return alpha > 0 && !float.IsInfinity(alpha) ? ActivationKind.LeakyReLU(alpha == 0.01f ? Definitions.ActivationTable.LeakyReLUSlope : alpha) : null;
            default:
                return null;
        }
    }

    /// <summary>SiLU written as <c>Mul(z, Sigmoid(z))</c>: the two nodes that read z, the sigmoid read by the Mul alone; the Mul, or null.</summary>
    private OnnxNode? SiLUOf(string z, List<OnnxNode> takers)
    {
        if (takers.Count != 2)
            return null;
        OnnxNode? sigmoid = takers.FirstOrDefault(t => t.OpType == "Sigmoid");
        OnnxNode? mul = takers.FirstOrDefault(t => t.OpType == "Mul");
        if (sigmoid is null || mul is null || mul.Inputs.Length != 2 || _selected.Contains(_graph.Resolve(sigmoid.Outputs[0])))
            return null;
        string zName = _graph.Resolve(z), s = _graph.Resolve(sigmoid.Outputs[0]);
        var operands = mul.Inputs.Select(_graph.Resolve).ToArray();
        bool pattern = (operands[0] == zName && operands[1] == s) || (operands[0] == s && operands[1] == zName);
        return pattern && NeededTakers(sigmoid.Outputs[0]).Count == 1 ? mul : null;
    }

    /// <summary>
    /// ML-Agents' observation normalizer, <c>Clip(Div(Sub(x, mean), std), -c, c)</c> (the clip optional), as a
    /// standardizing layer: the same subtraction, division and clamp in the same order. False, compiling nothing, for
    /// any other Sub.
    /// </summary>
    private bool TryStandardize(OnnxNode sub)
    {
        // A value whose batch is not first broadcasts against a constant in ONNX's layout, not its own: left to CompileBinary to refuse.
        if (sub.Inputs.Length != 2 || !_values.TryGetValue(_graph.Resolve(sub.Inputs[0]), out PlanValue? x) || x.IsInteger || x.BatchAxis != 0)
            return false;
        if (!TryConstant(sub.Inputs[1], out OnnxTensor mean, perSample: true) || !BatchAligned(sub.Inputs[1], x) || !LeavesShape(mean, x) || mean.Floats is null)
            return false;
        if (_selected.Contains(_graph.Resolve(sub.Outputs[0])) || OnlyTaker(sub.Outputs[0]) is not { OpType: "Div" } div
            || div.Inputs.Length != 2 || _graph.Resolve(div.Inputs[0]) != _graph.Resolve(sub.Outputs[0]))
            return false;
        if (!TryConstant(div.Inputs[1], out OnnxTensor std, perSample: true) || !BatchAligned(div.Inputs[1], x) || !LeavesShape(std, x) || std.Floats is null || !std.Floats.All(s => s > 0 && !float.IsInfinity(s)))
            return false;
        string result = div.Outputs[0];
        double clip = 0;
        if (!_selected.Contains(_graph.Resolve(result)) && OnlyTaker(result) is { OpType: "Clip" } clipNode && ClipBounds(clipNode) is { } bounds
            && bounds.Max > 0 && !float.IsInfinity(bounds.Max) && bounds.Min == -bounds.Max)
        {
            clip = bounds.Max;
            _done.Add(clipNode);
            result = clipNode.Outputs[0];
        }
        _done.Add(div);
        int index = _layers.Count;
        var layer = new StandardizeSpec(
            Namespace: _spec.Namespace,
            ContainingTypes: LayerContainers,
            TypeName: "__DenseStandardize" + index.ToString(CultureInfo.InvariantCulture),
            IsStruct: false,
            Element: ElementKind.Float32,
            Size: x.Width,
            Clip: clip,
            Deterministic: _spec.Deterministic,
            RequiresDeterministicMode: _spec.RequiresDeterministicMode);
        _layers.Add(new ModelLayer("__denseStandardize" + index.ToString(CultureInfo.InvariantCulture), layer, sub.Describe()));
        // LeavesShape holds them to one value per element of the sample.
        _weights.AddRange(mean.Floats);
        _weights.AddRange(std.Floats);
        AddLayerTargets(index, layer, sub, (mean.Floats, SourcesOf(mean)), (std.Floats, SourcesOf(std)));
        PlanValue y = NewValue(x.Dims, isInteger: false);
        _steps.Add(new LayerStep(index, x.Storage, y.Storage));
        Define(result, y);
        return true;
    }

    private void CompileBinary(OnnxNode node)
    {
        ExpectInputs(node, 2, 2);
        bool leftConstant = TryConstant(node.Inputs[0], out OnnxTensor leftTensor, perSample: true);
        bool rightConstant = TryConstant(node.Inputs[1], out OnnxTensor rightTensor, perSample: true);
        if (leftConstant && rightConstant)
            throw Unsupported(node, "takes two constants; [OnnxModel] computes on values that depend on an input");
        PlanValue shaped = leftConstant ? Input(node, 1) : Input(node, 0);
        if (!leftConstant && !rightConstant)
        {
            PlanValue other = Input(node, 1);
            if (!other.Dims.SequenceEqual(shaped.Dims))
                throw Unsupported(node, $"takes {shaped.Shape} and {other.Shape}; [OnnxModel] broadcasts only constants, so values must have one shape");
        }
        if (!BatchAligned(node.Inputs[0], shaped) || !BatchAligned(node.Inputs[1], shaped))
            throw Unsupported(node, $"broadcasts a tensor that holds the batch first against {shaped.Shape}, of another rank, which would move the batch; [OnnxModel] keeps the batch first");
        if (shaped.IsInteger || (!leftConstant && !rightConstant && Input(node, 1).IsInteger))
            throw Unsupported(node, "computes on integers; [OnnxModel] computes arithmetic on floats only");
        var op = (BinaryOp)Enum.Parse(typeof(BinaryOp), node.OpType);
        PlanValue y = NewValue(shaped.Dims, isInteger: false);
        Operand OperandOf(int index, bool constant, OnnxTensor tensor, string side)
        {
            if (!constant)
                return Operand.Of(Input(node, index).Storage);
            (float[] values, int[] map) = BroadcastConstant(node, tensor, shaped);
            if (SourcesOf(tensor) is { } sources)
            {
                _recipe.AddTarget(ModelTarget.OfStep(y.Storage, side, values.Length, $"the {side.ToLowerInvariant()} operand of {node.Describe()}"), i => sources(map[i]), i => values[i]);
            }
            return Operand.Const(values);
        }
        _steps.Add(new BinaryStep(op, OperandOf(0, leftConstant, leftTensor, "Left"), OperandOf(1, rightConstant, rightTensor, "Right"), y.Storage));
        Define(node.Outputs[0], y);
    }

    private void CompileUnary(OnnxNode node)
    {
        PlanValue x = Input(node, 0);
        if (x.IsInteger)
            throw Unsupported(node, "computes on integers; [OnnxModel] computes on floats only");
        UnaryStep step;
        PlanValue y = NewValue(x.Dims, isInteger: false);
        switch (node.OpType)
        {
            case "Clip":
                ExpectInputs(node, 1, 3);
                (float min, float max) = ClipBounds(node) ?? throw Unsupported(node, "has bounds that are not constants");
                step = new UnaryStep(UnaryOp.Clip, x.Storage, y.Storage, min, max);
                break;
            case "Elu":
                ExpectInputs(node, 1, 1);
                step = new UnaryStep(UnaryOp.Elu, x.Storage, y.Storage, Float(node, "alpha", 1f));
                break;
            case "LeakyRelu":
                ExpectInputs(node, 1, 1);
                step = new UnaryStep(UnaryOp.LeakyRelu, x.Storage, y.Storage, Float(node, "alpha", 0.01f));
                break;
            default:
                ExpectInputs(node, 1, 1);
                step = new UnaryStep((UnaryOp)Enum.Parse(typeof(UnaryOp), node.OpType), x.Storage, y.Storage);
                break;
        }
        _steps.Add(step);
        Define(node.Outputs[0], y);
    }

    /// <summary>Clip's bounds: attributes before opset 11, optional constant inputs from it; missing ones are ±∞.</summary>
    private (float Min, float Max)? ClipBounds(OnnxNode node)
    {
        if (_opset < 11)
            return (Float(node, "min", float.NegativeInfinity), Float(node, "max", float.PositiveInfinity));
        float min = float.NegativeInfinity, max = float.PositiveInfinity;
        for (int i = 1; i < node.Inputs.Length && i < 3; i++)
        {
            if (node.Inputs[i].Length == 0)
                continue;
            if (!TryConstant(node.Inputs[i], out OnnxTensor bound) || bound.Floats is not { Length: 1 } value)
                return null;
            // The bounds are constants of the compiled code (and decide what it compiles to), so a newer file must keep them.
            if (SourcesOf(bound) is { } source)
                _recipe.Pin(source(0), value[0], $"the {(i == 1 ? "lower" : "upper")} bound of {node.Describe()}");
            if (i == 1)
                min = value[0];
            else
                max = value[0];
        }
        return (min, max);
    }

    /// <summary>Ops that keep each sample's values in order and change only how the shape is written.</summary>
    private void CompileReshape(OnnxNode node)
    {
        PlanValue x = Input(node, 0);
        int[] dims;
        int batchAxis = 0;
        if (x.BatchAxis != 0 && node.OpType is not ("Transpose" or "Squeeze"))
            throw Unsupported(node, $"reshapes {x.Shape}, whose batch is not first; [OnnxModel] moves it back with a Transpose first");
        switch (node.OpType)
        {
            case "Flatten":
                int axis = (int)Int(node, "axis", 1);
                if (axis != 1 && axis != -(x.Dims.Length + 1) + 1 && !(axis < 0 && axis + x.Dims.Length + 1 == 1))
                    throw Unsupported(node, $"flattens at axis {axis}; [OnnxModel] flattens each sample (axis 1), keeping the batch");
                dims = [x.Width];
                break;
            case "Reshape":
                ExpectInputs(node, 2, 2);
                if (Known(node.Inputs[1]) is not { Longs: { Length: > 0 }, PerSample: false } shape || shape.Dims.Length != 1)
                    throw Unsupported(node, $"reshapes to '{node.Inputs[1]}', which is not a one-dimensional int64 shape known at compile time");
                (bool batchFirst, long[] rest) = BatchLeading(node, shape);
                if (Int(node, "allowzero", 0) != 0 && rest.Contains(0))
                    throw Unsupported(node, "has allowzero = 1 and a dimension of 0, which makes an empty tensor");
                long[] target = batchFirst ? [0, .. rest] : rest;
                // The batch first: -1 or 0 (ONNX's "as the input"), the batch itself from a shape subgraph, or 1 where the inputs fix it at 1.
                if (target[0] != -1 && target[0] != 0 && !(target[0] == 1 && _batchOfOne))
                    throw Unsupported(node, $"reshapes to {shape.Text}; [OnnxModel] reshapes each sample, with -1, 0 or the batch first");
                dims = ReshapeDims(node, x, target);
                break;
            case "Transpose":
                (dims, batchAxis) = TransposeDims(node, x);
                break;
            default:
                long[] axes = node.Attributes.TryGetValue("axes", out OnnxAttribute? attribute) ? attribute.Ints
                    : node.Inputs.Length > 1 && node.Inputs[1].Length > 0 ? Constant(node, 1, "its axes").Longs ?? []
                    : [];
                (dims, batchAxis) = node.OpType == "Squeeze" ? Squeeze(node, x, axes) : (Unsqueeze(node, x, axes), 0);
                break;
        }
        Define(node.Outputs[0], new PlanValue(x.Storage, dims, x.IsInteger, batchAxis));
    }

    /// <summary>
    /// A transpose that keeps every sample's values in order: it moves only dimensions of size 1, and the batch (a
    /// recurrent node's <c>[batch, steps, H]</c> ↔ <c>[steps, batch, H]</c>, the same values in memory, since values are
    /// held sample by sample). Returns the sample's dimensions and the batch's new axis.
    /// </summary>
    private (int[] Dims, int BatchAxis) TransposeDims(OnnxNode node, PlanValue x)
    {
        int rank = x.Dims.Length + 1;
        long[] given = Ints(node, "perm") ?? Enumerable.Range(0, rank).Reverse().Select(a => (long)a).ToArray();
        if (given.Length != rank)
            throw Unsupported(node, $"has perm {Format(given)}, which is not a permutation of the axes of {x.Shape}");
        int[] perm = given.Select(a => Normalize(node, a, rank)).ToArray();
        if (perm.Distinct().Count() != rank)
            throw Unsupported(node, $"has perm {Format(given)}, which is not a permutation of the axes of {x.Shape}");
        // The ONNX shape, the batch as -1 at its axis. Values are held sample by sample whatever the batch's axis, so the
        // batch may move anywhere; a sample's dimensions larger than 1 must keep their order.
        int[] full = [.. x.Dims.Take(x.BatchAxis), -1, .. x.Dims.Skip(x.BatchAxis)];
        int[] moved = perm.Where(a => a != x.BatchAxis && full[a] != 1).ToArray();
        if (moved.Zip(moved.Skip(1), (p, q) => p < q).Any(inOrder => !inOrder))
            throw Unsupported(node, $"transposes {x.Shape} by {Format(given)}, which reorders a sample's values; [OnnxModel] moves only the batch and dimensions of size 1");
        int batchAxis = Array.IndexOf(perm, x.BatchAxis);
        return (perm.Where(a => a != x.BatchAxis).Select(a => full[a]).ToArray(), batchAxis);
    }

    private int[] ReshapeDims(OnnxNode node, PlanValue x, long[] target)
    {
        var dims = new int[target.Length - 1];
        long product = 1;
        int inferred = -1;
        for (int i = 1; i < target.Length; i++)
        {
            if (target[i] == -1 && inferred < 0)
                inferred = i - 1;
            else if (target[i] == 0 && i - 1 < x.Dims.Length)
                dims[i - 1] = x.Dims[i - 1];
            else if (target[i] > 0 && target[i] <= int.MaxValue)
                dims[i - 1] = (int)target[i];
            else
                throw Unsupported(node, $"reshapes to {Format(target)}, which [OnnxModel] cannot read");
            if (i - 1 != inferred)
                product *= dims[i - 1];
            // Every dimension is at least 1, so a product past the sample's size can only grow: refuse it before it can wrap.
            if (product > x.Width)
                throw Unsupported(node, $"reshapes {x.Shape} to {Format(target)}: the batch would change, and [OnnxModel] keeps it");
        }
        if (inferred >= 0)
        {
            if (product == 0 || x.Width % product != 0)
                throw Unsupported(node, $"reshapes {x.Shape} to {Format(target)}, which does not divide it");
            dims[inferred] = (int)(x.Width / product);
            product *= dims[inferred];
        }
        if (product != x.Width)
            throw Unsupported(node, $"reshapes {x.Shape} to {Format(target)}: the batch would change, and [OnnxModel] keeps it");
        return dims;
    }

    private (int[] Dims, int BatchAxis) Squeeze(OnnxNode node, PlanValue x, long[] axes)
    {
        if (axes.Length == 0 && (_batchOfOne || x.BatchAxis != 0))
            throw Unsupported(node, "squeezes every dimension of size 1, and the batch may be one of them; give its axes");
        var dims = x.Dims.ToList();
        int batchAxis = x.BatchAxis;
        var positions = axes.Length == 0
            ? Enumerable.Range(1, x.Dims.Length).Where(a => x.Dims[a - 1] == 1).ToArray()
            : axes.Select(a => Normalize(node, a, x.Dims.Length + 1)).ToArray();
        if (positions.Distinct().Count() != positions.Length)
            throw Unsupported(node, $"names an axis twice ({Format(axes)})");
        foreach (int axis in positions.OrderByDescending(a => a))
        {
            // Axis a of the ONNX shape is the sample's dimension a before the batch, a − 1 after it.
            int dim = axis < x.BatchAxis ? axis : axis - 1;
            if (axis == x.BatchAxis || x.Dims[dim] != 1)
                throw Unsupported(node, $"squeezes axis {axis} of {x.Shape}; [OnnxModel] squeezes dimensions of size 1 besides the batch");
            dims.RemoveAt(dim);
            if (axis < x.BatchAxis)
                batchAxis--;
        }
        return (dims.ToArray(), batchAxis);
    }

    private int[] Unsqueeze(OnnxNode node, PlanValue x, long[] axes)
    {
        int rank = x.Dims.Length + 1 + axes.Length;
        var dims = new List<int>(x.Dims);
        if (axes.Select(a => Normalize(node, a, rank)).Distinct().Count() != axes.Length)
            throw Unsupported(node, $"names an axis twice ({Format(axes)})");
        foreach (int axis in axes.Select(a => Normalize(node, a, rank)).OrderBy(a => a))
        {
            if (axis == 0)
                throw Unsupported(node, "inserts a dimension before the batch, which [OnnxModel] keeps first");
            dims.Insert(Math.Min(axis - 1, dims.Count), 1);
        }
        return dims.ToArray();
    }

    private void CompileConcat(OnnxNode node)
    {
        if (node.Inputs.Length == 0)
            throw Unsupported(node, "has no inputs");
        PlanValue[] parts = Enumerable.Range(0, node.Inputs.Length).Select(i => Input(node, i)).ToArray();
        int rank = parts[0].Dims.Length + 1;
        if (parts.Any(p => p.BatchAxis != 0))
        {
            CompileTimeMajorConcat(node, parts, rank);
            return;
        }
        int axis = Normalize(node, Int(node, "axis", 1), rank);
        if (axis != rank - 1 && !(axis == 1 && parts.All(p => p.Dims.Length == 1)))
        {
            if (axis == 0)
                throw Unsupported(node, "joins along the batch; [OnnxModel] joins each sample's features");
            if (parts.Length > 1)
                throw Unsupported(node, $"joins along axis {axis} of {parts[0].Shape}; [OnnxModel] joins along the last axis");
        }
        if (parts.Length == 1)
        {
            Define(node.Outputs[0], parts[0]);
            return;
        }
        if (parts.Any(p => p.Dims.Length != parts[0].Dims.Length || !p.Dims.Take(p.Dims.Length - 1).SequenceEqual(parts[0].Dims.Take(parts[0].Dims.Length - 1)) || p.IsInteger != parts[0].IsInteger))
            throw Unsupported(node, $"joins {string.Join(" and ", parts.Select(p => p.Shape))}, which differ in more than the joined axis");
        if (parts[0].Dims.Length != 1)
            throw Unsupported(node, $"joins {string.Join(" and ", parts.Select(p => p.Shape))}; [OnnxModel] joins one row of features per sample");
        long width = parts.Sum(p => (long)p.Width);
        if (width > MaxWidth)
            throw Unsupported(node, $"joins {width} elements per sample, more than [OnnxModel] supports");
        PlanValue y = NewValue([(int)width], parts[0].IsInteger);
        _steps.Add(new ConcatStep(parts.Select(p => p.Storage).ToEquatableArray(), y.Storage));
        Define(node.Outputs[0], y);
    }

    private void CompileSlice(OnnxNode node)
    {
        PlanValue x = Input(node, 0);
        long[] starts, ends, axes, steps;
        if (_opset < 10)
        {
            starts = Ints(node, "starts") ?? throw Unsupported(node, "has no starts");
            ends = Ints(node, "ends") ?? throw Unsupported(node, "has no ends");
            axes = Ints(node, "axes") ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
            steps = starts.Select(_ => 1L).ToArray();
        }
        else
        {
            ExpectInputs(node, 3, 5);
            starts = LongsOf(node, 1, "its starts");
            ends = LongsOf(node, 2, "its ends");
            axes = node.Inputs.Length > 3 && node.Inputs[3].Length > 0 ? LongsOf(node, 3, "its axes") : Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
            steps = node.Inputs.Length > 4 && node.Inputs[4].Length > 0 ? LongsOf(node, 4, "its steps") : starts.Select(_ => 1L).ToArray();
        }
        // One range of each sample's values, which lie sample by sample: one axis, step 1, that only dimensions of size 1
        // precede in the sample (a row of features; a stacked layer's row of a time-major [layers, batch, H] state).
        int rank = x.Dims.Length + 1;
        int axis = axes.Length == 1 ? Normalize(node, axes[0], rank) : -1;
        int dim = axis < x.BatchAxis ? axis : axis - 1;
        if (starts.Length != 1 || ends.Length != 1 || axes.Length != 1 || steps.Length != 1 || steps[0] != 1
            || axis == x.BatchAxis || !x.Dims.Take(dim).All(d => d == 1))
            throw Unsupported(node, $"slices {x.Shape} in a way [OnnxModel] does not: it slices one row of features per sample, step 1");
        int size = x.Dims[dim], stride = x.Width / size;
        long start = Clamp(starts[0] < 0 ? starts[0] + size : starts[0], size);
        long end = Clamp(ends[0] < 0 ? ends[0] + size : ends[0], size);
        if (end <= start)
            throw Unsupported(node, $"slices nothing of {x.Shape} ({starts[0]} to {ends[0]})");
        int[] dims = x.Dims.ToArray();
        dims[dim] = (int)(end - start);
        PlanValue y = NewValue(dims, x.IsInteger, x.BatchAxis);
        _steps.Add(new SliceStep(x.Storage, (int)start * stride, y.Storage));
        Define(node.Outputs[0], y);
    }

    private static long Clamp(long index, int width) => Math.Max(0, Math.Min(index, width));

    /// <summary>
    /// A Gather of one constant index of each sample (a sequence's last step, as PyTorch exports <c>out[:, -1]</c>) along
    /// an axis that only dimensions of size 1 precede in the sample: one range of each sample's values, as a Slice takes
    /// it, the dimension dropped (a scalar index) or kept as 1 (an index of shape [1]).
    /// </summary>
    private void CompileGather(OnnxNode node)
    {
        ExpectInputs(node, 2, 2);
        PlanValue x = Input(node, 0);
        int rank = x.Dims.Length + 1;
        int axis = Normalize(node, Int(node, "axis", 0), rank);
        if (!TryConstant(node.Inputs[1], out OnnxTensor indices) || indices.Longs is not { Length: 1 } index || indices.Dims.Length > 1)
            throw Unsupported(node, $"gathers from {x.Shape} by '{node.Inputs[1]}', which is not one constant int64 index; [OnnxModel] gathers one index known at compile time");
        int dim = axis < x.BatchAxis ? axis : axis - 1;
        if (axis == x.BatchAxis || !x.Dims.Take(dim).All(d => d == 1))
            throw Unsupported(node, $"gathers along axis {axis} of {x.Shape}; [OnnxModel] gathers along an axis other than the batch's that only dimensions of size 1 precede in each sample");
        int size = x.Dims[dim];
        long at = index[0] < 0 ? index[0] + size : index[0];
        if (at < 0 || at >= size)
            throw Unsupported(node, $"gathers index {index[0]} of a dimension of {size}");
        bool scalar = indices.Dims.Length == 0;
        int[] dims = scalar ? x.Dims.Where((_, d) => d != dim).ToArray() : x.Dims.Select((d, j) => j == dim ? 1 : d).ToArray();
        PlanValue y = NewValue(dims, x.IsInteger, scalar && axis < x.BatchAxis ? x.BatchAxis - 1 : x.BatchAxis);
        _steps.Add(new SliceStep(x.Storage, (int)at * (x.Width / size), y.Storage));
        Define(node.Outputs[0], y);
    }

    private void CompileSoftmax(OnnxNode node)
    {
        PlanValue x = Input(node, 0);
        int rank = x.Dims.Length + 1;
        int axis = Normalize(node, Int(node, "axis", _opset < 13 ? 1 : -1), rank);
        if (axis == 0)
            throw Unsupported(node, "normalizes across the batch; [OnnxModel] normalizes within each sample");
        // Before opset 13 the input is flattened to 2-D at the axis, and each row of what follows it is normalized;
        // from 13, along the one axis, which is a row only when it is the last.
        int row;
        if (_opset < 13)
            row = x.Dims.Skip(axis - 1).Aggregate(1, (p, d) => p * d);
        else if (axis == rank - 1)
            row = x.Dims[x.Dims.Length - 1];
        else
            throw Unsupported(node, $"normalizes along axis {axis} of {x.Shape}; [OnnxModel] normalizes along the last axis");
        if (x.IsInteger)
            throw Unsupported(node, "normalizes integers");
        PlanValue y = NewValue(x.Dims, isInteger: false);
        _steps.Add(new SoftmaxStep(x.Storage, row, y.Storage));
        Define(node.Outputs[0], y);
    }

    private void CompileArgMax(OnnxNode node)
    {
        PlanValue x = Input(node, 0);
        int rank = x.Dims.Length + 1;
        int axis = Normalize(node, Int(node, "axis", 0), rank);
        if (axis != rank - 1 || axis == 0)
            throw Unsupported(node, $"takes the largest along axis {axis} of {x.Shape}; [OnnxModel] takes it along the last axis, within each sample");
        if (Int(node, "select_last_index", 0) != 0)
            throw Unsupported(node, "has select_last_index = 1; [OnnxModel] takes the first of equal values, ONNX's default");
        if (x.IsInteger)
            throw Unsupported(node, "compares integers");
        int row = x.Dims[x.Dims.Length - 1];
        int[] dims = Int(node, "keepdims", 1) != 0 ? [.. x.Dims.Take(x.Dims.Length - 1), 1] : x.Dims.Take(x.Dims.Length - 1).ToArray();
        PlanValue y = NewValue(dims, isInteger: true);
        _steps.Add(new ArgMaxStep(x.Storage, row, y.Storage));
        Define(node.Outputs[0], y);
    }

    /// <summary>Normal draws shaped like the input; the file's <c>seed</c>, if any, gives way to the caller's <c>SeededRandom</c>.</summary>
    private void CompileRandomNormal(OnnxNode node)
    {
        ExpectInputs(node, 1, 1);
        PlanValue like = Input(node, 0);
        if (Int(node, "dtype", OnnxTensor.Float) != OnnxTensor.Float)
            throw Unsupported(node, "draws another type than float; [OnnxModel] draws floats");
        PlanValue y = NewValue(like.Dims, isInteger: false);
        _steps.Add(new RandomNormalStep(Float(node, "mean", 0f), Float(node, "scale", 1f), y.Storage));
        Define(node.Outputs[0], y);
    }

    /// <summary>Classes drawn from each sample's row of log probabilities, as int (int32 or int64 in the file).</summary>
    private void CompileMultinomial(OnnxNode node)
    {
        ExpectInputs(node, 1, 1);
        PlanValue x = Input(node, 0);
        if (x.Dims.Length != 1 || x.IsInteger)
            throw Unsupported(node, $"draws from {x.Shape}; [OnnxModel] draws from one row of float log probabilities per sample ([batch, classes])");
        long dtype = Int(node, "dtype", 6);
        if (dtype is not (6 or 7))
            throw Unsupported(node, $"gives classes of data type {dtype}; [OnnxModel] gives int32 or int64 (as int)");
        long samples = Int(node, "sample_size", 1);
        if (samples < 1 || samples > 1 << 16)
            throw Unsupported(node, $"draws {samples} samples; [OnnxModel] draws 1 to 65536");
        PlanValue y = NewValue([(int)samples], isInteger: true);
        _steps.Add(new MultinomialStep(x.Storage, x.Width, (int)samples, y.Storage));
        Define(node.Outputs[0], y);
    }

    // ---- helpers ----

    private EquatableArray<ContainingType> LayerContainers =>
        _spec.ContainingTypes.Concat([new ContainingType("class", _spec.TypeName)]).ToEquatableArray();

    /// <summary>
    /// The most elements one sample of a value may have: a 64th of an array's limit, so that a chunk of samples of it
    /// fits one buffer at any sensible MaxBatch (checked again against the plan's MaxBatch) and a constant broadcast to it
    /// stays a modest array.
    /// </summary>
    private const long MaxWidth = LayerLimits.MaxElements / 64;

    private PlanValue NewValue(int[] dims, bool isInteger, int batchAxis = 0)
    {
        long width = 1;
        foreach (int dimension in dims)
        {
            width *= dimension;
            if (dimension < 1 || width > MaxWidth)
                throw Invalid($"a value of shape [batch, {string.Join(", ", dims)}] would have {(dimension < 1 ? "no" : "more than " + MaxWidth.ToString("N0", CultureInfo.InvariantCulture))} elements per sample, which [OnnxModel] does not support");
        }
        var value = new PlanValue(_modelValues.Count, dims, isInteger, batchAxis);
        _modelValues.Add(new ModelValue(value.Storage, value.Width, isInteger));
        return value;
    }

    private void Define(string name, PlanValue value) => _values[_graph.Resolve(name)] = value;

    private PlanValue Lookup(string name, string what) =>
        _values.TryGetValue(_graph.Resolve(name), out PlanValue? value) ? value
        : Filled(name) is { } filled ? filled
        : TryConstant(name, out _) ? throw Invalid($"{what} is a constant where [OnnxModel] needs a value computed from an input")
        : throw Invalid($"{what} ('{name}') is computed by nothing [OnnxModel] compiled");

    private PlanValue Input(OnnxNode node, int index)
    {
        if (index >= node.Inputs.Length || node.Inputs[index].Length == 0)
            throw Unsupported(node, $"has no input {index + 1}");
        string name = node.Inputs[index];
        if (_values.TryGetValue(_graph.Resolve(name), out PlanValue? value))
        {
            // Only the ops that know where the batch is take a value whose batch is not first.
            if (value.BatchAxis != 0 && node.OpType is not ("Transpose" or "Squeeze" or "Slice" or "Gather" or "Concat" or "LSTM" or "GRU" or "MatMul" or "Shape"))
                throw Unsupported(node, $"takes '{name}' of shape {value.Shape}, whose batch is not first; [OnnxModel] moves it back with a Transpose first");
            return value;
        }
        if (Filled(name) is { } filled)
            return filled;
        if (Known(name) is not null)
            throw Unsupported(node, $"takes the constant '{name}' where [OnnxModel] needs a value computed from an input");
        throw Unsupported(node, $"takes '{name}', which is computed by nothing [OnnxModel] compiled");
    }

    private PlanValue FlatInput(OnnxNode node, int index)
    {
        PlanValue x = Input(node, index);
        if (x.Dims.Length != 1)
            throw Unsupported(node, $"multiplies {x.Shape}; [OnnxModel] multiplies one row of features per sample ([batch, K])");
        if (x.IsInteger)
            throw Unsupported(node, "multiplies integers");
        return x;
    }

    private OnnxTensor Constant(OnnxNode node, int index, string what)
    {
        if (index >= node.Inputs.Length || node.Inputs[index].Length == 0)
            throw Unsupported(node, $"has no {what.Substring(4)}");
        return TryConstant(node.Inputs[index], out OnnxTensor tensor) ? tensor
            : throw Unsupported(node, $"computes {what} ('{node.Inputs[index]}') from the input; [OnnxModel] needs it constant");
    }

    private float[] Floats(OnnxNode node, OnnxTensor tensor) =>
        tensor.Floats ?? throw Unsupported(node, $"takes '{tensor.Name}' of data type {tensor.DataType}; [OnnxModel] needs float32");

    private long[] LongsOf(OnnxNode node, int index, string what) =>
        Constant(node, index, what).Longs ?? throw Unsupported(node, $"has {what} not as int64");

    /// <summary>
    /// Whether a constant of one value per element of <paramref name="x"/>'s sample broadcasts onto x without changing
    /// its shape: the same dimensions, but for leading 1s that do not reach past the batch.
    /// </summary>
    private static bool LeavesShape(OnnxTensor tensor, PlanValue x) =>
        tensor.Dims.Length <= x.Dims.Length + 1
        && tensor.Dims.SkipWhile(d => d == 1).SequenceEqual(x.Dims.SkipWhile(d => d == 1).Select(d => (long)d))
        && tensor.Dims.Aggregate(1L, (p, d) => p * d) == x.Width;

    private static bool IsPerFeature(OnnxTensor tensor, int width) =>
        tensor.Dims.Aggregate(1L, (p, d) => p * d) == width && Enumerable.Reverse(tensor.Dims).Skip(1).All(d => d == 1);

    private float[] BiasOf(OnnxNode node, OnnxTensor bias, int outputs)
    {
        float[] values = Floats(node, bias);
        if (values.Length == 1)
            return Enumerable.Repeat(values[0], outputs).ToArray();
        if (!IsPerFeature(bias, outputs))
            throw Unsupported(node, $"adds a bias of shape {bias.Shape} to {outputs} outputs; [OnnxModel] adds [{outputs}], [1, {outputs}] or one value");
        return values;
    }

    /// <summary>
    /// A constant operand as the step repeats it per sample: one value, or one per element of the sample; with the
    /// element of <paramref name="tensor"/> each comes from.
    /// </summary>
    private (float[] Values, int[] Map) BroadcastConstant(OnnxNode node, OnnxTensor tensor, PlanValue shaped)
    {
        float[] values = Floats(node, tensor);
        if (values.Length == 1)
            return (values, [0]);
        // ONNX broadcasting aligns trailing dimensions: a constant whose shape, stripped of leading 1s, ends the sample's.
        long[] dims = tensor.Dims.SkipWhile(d => d == 1).ToArray();
        int[] sample = shaped.Dims;
        if (dims.Length > sample.Length || tensor.Dims.Length > sample.Length + 1)
            throw Unsupported(node, $"broadcasts the constant {tensor.Shape} against {shaped.Shape}, across the batch; [OnnxModel] applies constants to each sample alike");
        int offset = sample.Length - dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] != sample[offset + i] && dims[i] != 1)
                throw Unsupported(node, $"broadcasts the constant {tensor.Shape} against {shaped.Shape}, which do not fit");
        }
        // Expand to one value per element of the sample (row-major), as the step reads it.
        var map = new int[shaped.Width];
        for (int flat = 0; flat < map.Length; flat++)
        {
            int rest = flat, source = 0, stride = 1;
            for (int axis = sample.Length - 1; axis >= 0; axis--)
            {
                int index = rest % sample[axis];
                rest /= sample[axis];
                int constantAxis = axis - offset;
                if (constantAxis >= 0)
                {
                    if (dims[constantAxis] != 1)
                        source += index * stride;
                    stride *= (int)dims[constantAxis];
                }
            }
            map[flat] = source;
        }
        return (map.Select(i => values[i]).ToArray(), map);
    }

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        // [rows, columns] to [columns, rows]: a MatMul's [K, N] weight to a dense layer's [Out, In].
        var transposed = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
                transposed[c * rows + r] = values[r * columns + c];
        }
        return transposed;
    }

    // ---- where baked values come from, for LoadOnnx ----

    /// <summary>Where element i of a float constant the planner took comes from in the file, or null when none of it does.</summary>
    private Func<int, ElementSource>? SourcesOf(OnnxTensor tensor) =>
        tensor.Floats is null ? null
        : _slots.TryGetValue(tensor, out int slot) ? i => new ElementSource(slot, i)
        : _foldedSources.TryGetValue(tensor, out ElementSource[]? sources) ? i => sources[i]
        : null;

    /// <summary>The sources of a <c>[K, N]</c> constant as the dense layer's <c>[N, K]</c> weights hold it (see <see cref="Transpose"/>).</summary>
    private Func<int, ElementSource>? TransposedSources(OnnxTensor tensor, int rows, int columns) =>
        SourcesOf(tensor) is { } sources ? i => sources(i % rows * columns + i / rows) : null;

    /// <summary>The sources of a bias as <see cref="BiasOf"/> repeats it.</summary>
    private Func<int, ElementSource>? BiasSources(OnnxTensor bias) =>
        SourcesOf(bias) is { } sources ? (bias.Floats!.Length == 1 ? _ => sources(0) : sources) : null;

    /// <summary>The layer's tensors, in table order, as arrays LoadOnnx rewrites where they come from the file.</summary>
    private void AddLayerTargets(int layer, LayerSpec spec, OnnxNode node, params (float[] Values, Func<int, ElementSource>? Sources)[] tensors)
    {
        for (int t = 0; t < tensors.Length; t++)
        {
            TensorSpec table = spec.Contract.Tensors[t];
            float[] values = tensors[t].Values;
            if (tensors[t].Sources is { } sources)
                _recipe.AddTarget(ModelTarget.OfLayer(layer, t, table.Length, table.MustBePositive, $"the {table.Property.ToLowerInvariant()} of {node.Describe()}"), sources, i => values[i]);
        }
    }

    private List<OnnxNode> NeededTakers(string name) => _graph.Consumers(name).Where(_needed.Contains).ToList();

    private OnnxNode? OnlyTaker(string name) => NeededTakers(name) is { Count: 1 } takers ? takers[0] : null;

    private void ExpectInputs(OnnxNode node, int least, int most)
    {
        if (node.Inputs.Length < least || node.Inputs.Length > most)
            throw Unsupported(node, $"has {node.Inputs.Length} inputs; expected {(least == most ? least.ToString(CultureInfo.InvariantCulture) : least + " to " + most)}");
    }

    private void CheckUnitAttribute(OnnxNode node, string name)
    {
        float value = Float(node, name, 1f);
        if (value != 1f)
            throw Unsupported(node, $"has {name} = {value.ToString("R", CultureInfo.InvariantCulture)}; [OnnxModel] compiles Gemm with alpha and beta 1, as exporters write a linear layer");
    }

    private static float Float(OnnxNode node, string name, float fallback) =>
        node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) && attribute.Type == OnnxAttribute.FloatType ? attribute.F : fallback;

    private static long Int(OnnxNode node, string name, long fallback) =>
        node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) && attribute.Type == OnnxAttribute.IntType ? attribute.I : fallback;

    private static long[]? Ints(OnnxNode node, string name) =>
        node.Attributes.TryGetValue(name, out OnnxAttribute? attribute) && attribute.Type == OnnxAttribute.IntsType ? attribute.Ints : null;

    private int Normalize(OnnxNode node, long axis, int rank)
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
            throw Unsupported(node, $"names axis {axis} of a rank-{rank} tensor");
        return (int)normalized;
    }

    private static int ActivationValue(string name) => Definitions.ActivationTable.All.First(row => row.Name == name).Value;

    private ModelConstant ConstantOf(string name, OnnxTensor tensor)
    {
        // The class has them as constants: a newer file must hold the same.
        if (SourcesOf(tensor) is { } sources)
        {
            for (int i = 0; i < tensor.Floats!.Length; i++)
                _recipe.Pin(sources(i), tensor.Floats[i], $"element {i} of the constant output '{name}'");
        }
        return ConstantTableOf(name, tensor);
    }

    private ModelConstant ConstantTableOf(string name, OnnxTensor tensor) =>
        tensor.Floats is { } floats ? new ModelConstant(name, ModelNames.Pascal(name), floats.ToEquatableArray(), null)
        : tensor.Longs is { } longs ? new ModelConstant(name, ModelNames.Pascal(name), EquatableArray<float>.Empty, longs.ToEquatableArray())
        : throw Invalid($"the constant output '{name}' is of data type {tensor.DataType}; [OnnxModel] gives float32 and int64 constants");

    private static string Format(long[]? values) => values is null ? "" : "[" + string.Join(", ", values) + "]";

    private InvalidDataException Invalid(string message) => new($"{_source}: {message}");

    private InvalidDataException Unsupported(OnnxNode node, string problem) =>
        new($"{_source}: {node.Describe()} {problem}. [OnnxModel] compiles {string.Join(", ", SupportedOps)}; docs/import.md lists what each may do");
}
