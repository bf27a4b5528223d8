using System;
using DenseGen.Generator.Definitions;

namespace DenseGen.Generator.Model;

/// <summary>
/// A layer's activation as the incremental model holds it: the value of a row of <see cref="ActivationTable"/> (the
/// runtime's <c>DenseGen.Activation</c> value), compared by value. A handle rather than an enum of its own, so that
/// adding an activation takes a row of the table and nothing here. <c>default</c> is <see cref="None"/>.
/// </summary>
internal readonly struct ActivationKind : IEquatable<ActivationKind>
{
    private readonly int _value;

    private ActivationKind(int value) => _value = value;

    /// <summary>No activation: <c>y = W x + b</c>.</summary>
    public static ActivationKind None => default;

    /// <summary>The activation of a value the parser has checked with <see cref="ActivationTable.IsDefined"/>.</summary>
    public static ActivationKind FromValue(int value) =>
        ActivationTable.IsDefined(value) ? new ActivationKind(value) : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a row of the activation table.");

    public int Value => _value;

    /// <summary>Everything the table says of this activation.</summary>
    public ActivationRow Row => ActivationTable.Of(_value);

    /// <summary>The runtime's <c>Activation</c> member name: <c>ReLU</c>.</summary>
    public string Name => Row.Name;

    public bool Equals(ActivationKind other) => _value == other._value;

    public override bool Equals(object? obj) => obj is ActivationKind other && Equals(other);

    public override int GetHashCode() => _value;

    public static bool operator ==(ActivationKind left, ActivationKind right) => left.Equals(right);

    public static bool operator !=(ActivationKind left, ActivationKind right) => !left.Equals(right);

    /// <summary>The name, as generated code and weight files write it.</summary>
    public override string ToString() => Name;
}
