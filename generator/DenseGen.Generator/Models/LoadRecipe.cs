using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Generator.Formats;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Models;

/// <summary>
/// Where one baked value comes from in the file: an element of an initializer (<see cref="Slot"/> ≥ 0, its index in
/// the signature's slots, and <see cref="Index"/> the element), a value folded from initializers (<see cref="Slot"/>
/// = <see cref="FoldedSlot"/>, <see cref="Index"/> the expression), or nothing in the file (<see cref="None"/>: a
/// constant of the graph's structure, such as a <c>Constant</c> node's, which the signature fixes).
/// </summary>
internal readonly record struct ElementSource(int Slot, int Index)
{
    /// <summary>The runtime's source number for the folded values.</summary>
    public const int FoldedSlot = -1;

    public static readonly ElementSource None = new(-2, 0);

    public bool IsNone => Slot == -2;

    public static ElementSource Folded(int expression) => new(FoldedSlot, expression);
}

/// <summary>
/// Builds the <see cref="ModelRecipe"/> an <c>[OnnxModel]</c> class's <c>LoadOnnx</c> follows: the folded values
/// (expressions over initializer elements, in the order they can be computed), the arrays it rewrites (targets) as runs
/// of copies from initializers or folded values, and the pinned values, which a file must hold as compiled.
/// </summary>
internal sealed class LoadRecipe
{
    private readonly List<(int Op, int A, int B, float X, float Y)> _expressions = new();
    private readonly Dictionary<(int, int, int, int, int), int> _interned = new();
    private readonly List<ModelTarget> _targets = new();
    private readonly List<int> _runs = new();
    private readonly List<(ElementSource Source, float Value, string What)> _pins = new();
    private readonly HashSet<ElementSource> _pinned = new();

    /// <summary>The folded value of <paramref name="op"/> on one source, or <see cref="ElementSource.None"/> when it reads nothing of the file.</summary>
    public ElementSource Unary(int op, ElementSource x, float xValue, float low = 0, float high = 0) =>
        x.IsNone ? ElementSource.None : ElementSource.Folded(Intern(op, Operand(x, xValue), 0, low, high));

    /// <summary>The folded value of arithmetic on two sources, or <see cref="ElementSource.None"/> when neither reads the file.</summary>
    public ElementSource Binary(int op, ElementSource left, float leftValue, ElementSource right, float rightValue) =>
        left.IsNone && right.IsNone ? ElementSource.None : ElementSource.Folded(Intern(op, Operand(left, leftValue), Operand(right, rightValue), 0, 0));

    /// <summary>Requires the file to hold <paramref name="value"/> where <paramref name="source"/> reads, when it reads the file: the compiled code uses it as a constant.</summary>
    public void Pin(ElementSource source, float value, string what)
    {
        // Once per source: a clamp's bounds are read both where a normalizer might take the clamp and where it is compiled.
        if (!source.IsNone && _pinned.Add(source))
            _pins.Add((source, value, what));
    }

    /// <summary>
    /// An array <c>LoadOnnx</c> rewrites, when some element reads the file (else nothing: the array is a constant of
    /// the structure); its elements that read nothing are written as the constants they are.
    /// </summary>
    public void AddTarget(ModelTarget target, Func<int, ElementSource> sourceAt, Func<int, float> valueAt)
    {
        bool readsFile = false;
        for (int i = 0; i < target.Length && !readsFile; i++)
            readsFile = !sourceAt(i).IsNone;
        if (!readsFile)
            return;
        int before = _runs.Count;
        var runs = new RunBuilder(_runs, before);
        for (int i = 0; i < target.Length; i++)
        {
            ElementSource source = sourceAt(i);
            if (source.IsNone)
                source = ElementSource.Folded(Intern(OnnxFold.Literal, 0, 0, valueAt(i), 0));
            runs.Add(i, source);
        }
        runs.Finish();
        _targets.Add(target with { Runs = (_runs.Count - before) / RunBuilder.Ints });
    }

    /// <summary>
    /// The recipe: the expressions something reads (a folded branch may compute values no array or pin reads), each
    /// after those it reads, numbered in order; the runs written again under that numbering.
    /// </summary>
    public ModelRecipe Build(string signature)
    {
        var used = new bool[_expressions.Count];
        ForEachElement(_runs, 0, _runs.Count, (_, source) =>
        {
            if (source.Slot == ElementSource.FoldedSlot)
                used[source.Index] = true;
        });
        foreach ((ElementSource source, _, _) in _pins)
        {
            if (source.Slot == ElementSource.FoldedSlot)
                used[source.Index] = true;
        }
        // An expression reads only earlier ones, so one pass from the end marks everything a used one reads.
        for (int e = _expressions.Count - 1; e >= 0; e--)
        {
            (int op, int a, int b, _, _) = _expressions[e];
            if (!used[e] || op is OnnxFold.Element or OnnxFold.Literal)
                continue;
            used[a] = true;
            if (OnnxFold.IsBinary(op))
                used[b] = true;
        }
        var number = new int[_expressions.Count];
        var expressions = new List<int>();
        var constants = new List<float>();
        for (int e = 0; e < _expressions.Count; e++)
        {
            if (!used[e])
                continue;
            number[e] = expressions.Count / 3;
            (int op, int a, int b, float x, float y) = _expressions[e];
            bool readsExpressions = op is not (OnnxFold.Element or OnnxFold.Literal);
            expressions.AddRange([op, readsExpressions ? number[a] : a, readsExpressions && OnnxFold.IsBinary(op) ? number[b] : b]);
            constants.AddRange([x, y]);
        }
        ElementSource Renumbered(ElementSource source) =>
            source.Slot == ElementSource.FoldedSlot ? ElementSource.Folded(number[source.Index]) : source;

        // Each target's elements again, through a new run builder: a run of folded values may no longer step evenly.
        var runs = new List<int>();
        var targets = new List<ModelTarget>();
        int at = 0;
        foreach (ModelTarget target in _targets)
        {
            int first = runs.Count, end = at + target.Runs * RunBuilder.Ints;
            var builder = new RunBuilder(runs, first);
            ForEachElement(_runs, at, end, (element, source) => builder.Add(element, Renumbered(source)));
            builder.Finish();
            targets.Add(target with { Runs = (runs.Count - first) / RunBuilder.Ints });
            at = end;
        }
        var pins = _pins.Select(p => (Source: Renumbered(p.Source), p.Value, p.What)).ToList();
        return new ModelRecipe(
            signature,
            expressions.ToEquatableArray(),
            constants.ToEquatableArray(),
            targets.ToEquatableArray(),
            runs.ToEquatableArray(),
            pins.SelectMany(p => new[] { p.Source.Slot, p.Source.Index }).ToEquatableArray(),
            pins.Select(p => p.Value).ToEquatableArray(),
            pins.Select(p => p.What).ToEquatableArray());
    }

    /// <summary>Every element the runs in <c>[start, end)</c> of <paramref name="runs"/> write, in order, with its source.</summary>
    private static void ForEachElement(List<int> runs, int start, int end, Action<int, ElementSource> visit)
    {
        for (int r = start; r < end; r += RunBuilder.Ints)
        {
            int first = runs[r], rows = runs[r + 1], columns = runs[r + 2], slot = runs[r + 3];
            int from = runs[r + 4], rowStep = runs[r + 5], columnStep = runs[r + 6];
            for (int row = 0; row < rows; row++)
            {
                for (int column = 0; column < columns; column++)
                    visit(first + row * columns + column, new ElementSource(slot, from + row * rowStep + column * columnStep));
            }
        }
    }

    private int Operand(ElementSource source, float value) =>
        source.IsNone ? Intern(OnnxFold.Literal, 0, 0, value, 0)
        : source.Slot == ElementSource.FoldedSlot ? source.Index
        : Intern(OnnxFold.Element, source.Slot, source.Index, 0, 0);

    private int Intern(int op, int a, int b, float x, float y)
    {
        var key = (op, a, b, Bits(x), Bits(y));
        if (_interned.TryGetValue(key, out int id))
            return id;
        id = _expressions.Count;
        _expressions.Add((op, a, b, x, y));
        _interned.Add(key, id);
        return id;
    }

    private static int Bits(float value) => OnnxFold.Bits(value);

    /// <summary>
    /// Compresses a target's sources into runs as they come: consecutive elements whose sources step evenly through one
    /// slot make a row, and rows of one length and step that follow evenly make a block (a transposed matrix is one).
    /// </summary>
    private sealed class RunBuilder(List<int> runs, int floor)
    {
        /// <summary>Ints per run: first element, rows, columns, source, start, row step, column step.</summary>
        public const int Ints = 7;

        private int _first = -1, _count, _slot, _start, _step;

        public void Add(int element, ElementSource source)
        {
            if (_first >= 0 && source.Slot == _slot && (_count == 1 || source.Index == _start + _count * _step))
            {
                if (_count == 1)
                    _step = source.Index - _start;
                _count++;
                return;
            }
            Flush();
            (_first, _count, _slot, _start, _step) = (element, 1, source.Slot, source.Index, 0);
        }

        public void Finish() => Flush();

        private void Flush()
        {
            if (_first < 0)
                return;
            int last = runs.Count - Ints;
            // Joins the previous block when this row continues it: same source, length and step, right after it, evenly further on.
            if (last >= floor && runs[last + 3] == _slot && runs[last + 2] == _count && runs[last + 6] == _step
                && runs[last] + runs[last + 1] * runs[last + 2] == _first
                && (runs[last + 1] == 1 || _start == runs[last + 4] + runs[last + 1] * runs[last + 5]))
            {
                if (runs[last + 1] == 1)
                    runs[last + 5] = _start - runs[last + 4];
                runs[last + 1]++;
            }
            else
            {
                runs.AddRange([_first, 1, _count, _slot, _start, 0, _step]);
            }
            _first = -1;
        }
    }
}
