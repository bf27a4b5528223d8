using System;
using System.Globalization;
using DenseGen.Generator.Definitions;

namespace DenseGen.Generator.Model;

/// <summary>
/// A layer's activation as the incremental model holds it: the value of a row of <see cref="ActivationTable"/> (the
/// runtime's <c>DenseGen.Activation</c> value), compared by value. A handle rather than an enum of its own, so that
/// adding an activation takes a row of the table and nothing here; with leaky ReLU's slope where it is not the default.
/// <c>default</c> is <see cref="None"/>.
/// </summary>
internal readonly struct ActivationKind : IEquatable<ActivationKind>
{
    private readonly int _value;

    // Leaky ReLU's slope where the layer sets one other than ActivationTable.LeakyReLUSlope; null otherwise, so that
    // default(ActivationKind) is None with the default slope.
    private readonly double? _negativeSlope;

    private ActivationKind(int value, double? negativeSlope)
    {
        _value = value;
        _negativeSlope = negativeSlope;
    }

    /// <summary>No activation: <c>y = W x + b</c>.</summary>
    public static ActivationKind None => default;

    /// <summary>The activation of a value the parser has checked with <see cref="ActivationTable.IsDefined"/>.</summary>
    public static ActivationKind FromValue(int value) =>
        ActivationTable.IsDefined(value) ? new ActivationKind(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a row of the activation table.");

    /// <summary>Leaky ReLU with a slope the parser has checked (finite, greater than 0).</summary>
    public static ActivationKind LeakyReLU(double negativeSlope) =>
        new(LeakyReLUValue, negativeSlope == ActivationTable.LeakyReLUSlope ? null : negativeSlope);

    /// <summary>The runtime's <c>Activation.LeakyReLU</c>.</summary>
    public const int LeakyReLUValue = 2;

    public int Value => _value;

    /// <summary>Leaky ReLU's slope below 0; <see cref="ActivationTable.LeakyReLUSlope"/> for every other activation.</summary>
    public double NegativeSlope => _negativeSlope ?? ActivationTable.LeakyReLUSlope;

    /// <summary>
    /// What the weight files' architecture records after the activation's name: <c>, NegativeSlope = 0.2</c> for a leaky
    /// ReLU of another slope than the default, nothing otherwise (so files of the default slope keep their bytes).
    /// </summary>
    public string ArchitectureSuffix => _negativeSlope is { } slope ? ", NegativeSlope = " + slope.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>
    /// The argument generated calls of the runtime's leaky ReLU add for a slope other than the default, as a literal of
    /// the element type (<c>, 0.2f</c>); empty otherwise, so that generated code of the default slope is unchanged.
    /// </summary>
    public string SlopeArgument(ElementKind element) => _negativeSlope is not { } slope ? ""
        : element == ElementKind.Float32 ? ", " + ((float)slope).ToString("R", CultureInfo.InvariantCulture) + "f"
        : ", " + slope.ToString("R", CultureInfo.InvariantCulture) + "d";

    /// <summary>Everything the table says of this activation.</summary>
    public ActivationRow Row => ActivationTable.Of(_value);

    /// <summary>The runtime's <c>Activation</c> member name: <c>ReLU</c>.</summary>
    public string Name => Row.Name;

    public bool Equals(ActivationKind other) => _value == other._value && Nullable.Equals(_negativeSlope, other._negativeSlope);

    public override bool Equals(object? obj) => obj is ActivationKind other && Equals(other);

    public override int GetHashCode() => _value * 31 + _negativeSlope.GetHashCode();

    public static bool operator ==(ActivationKind left, ActivationKind right) => left.Equals(right);

    public static bool operator !=(ActivationKind left, ActivationKind right) => !left.Equals(right);

    /// <summary>The name, as generated code and weight files write it.</summary>
    public override string ToString() => Name;
}
