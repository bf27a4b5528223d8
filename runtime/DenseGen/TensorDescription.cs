using System;
using System.Collections.Generic;

namespace DenseGen;

/// <summary>What a layer's tensor is: a parameter, which initializers draw and optimizers train, or state, which is saved and loaded with the parameters.</summary>
public enum TensorRole
{
    /// <summary>A learned parameter, such as a dense layer's <c>weight</c> and <c>bias</c>.</summary>
    Parameter = 0,

    /// <summary>State the layer computes with but does not learn by gradient, such as a normalizer's <c>mean</c> and <c>std</c>.</summary>
    State = 1,
}

/// <summary>
/// What every value of a tensor must be for the layer to compute with it. Weight files (<c>Load</c>, baked weights, the
/// <see cref="SafeTensors"/> loaders) check it before they write anything, and refuse a file that breaks it with an
/// <see cref="System.IO.InvalidDataException"/> naming the tensor.
/// </summary>
public enum TensorConstraint
{
    /// <summary>Any value, NaN and infinities included: what parameters are.</summary>
    None = 0,

    /// <summary>
    /// Greater than zero, as the layer holds it (a value that rounds to 0 in a <see cref="float"/> layer breaks it too):
    /// a standard deviation that the layer divides by. Zero, negative values and NaN are refused.
    /// </summary>
    Positive = 1,
}

/// <summary>
/// One tensor of a generated layer or network, as weight files, initializers and optimizers see it: its name (PyTorch's,
/// e.g. <c>weight</c> for a layer, <c>hidden.weight</c> in a network), its shape, and how to initialize it.
/// </summary>
public sealed class TensorDescription
{
    private readonly int[] _shape;

    /// <summary>Describes a tensor; generated code calls this, once per tensor of a type.</summary>
    /// <param name="name">Its name in weight files.</param>
    /// <param name="shape">Its dimensions, PyTorch's (a dense weight is <c>[Out, In]</c>); every one positive.</param>
    /// <param name="role">Parameter or state.</param>
    /// <param name="fanIn">The fan-in initializers scale by (a dense layer's inputs, for its weight and bias).</param>
    /// <param name="fanOut">The fan-out initializers scale by.</param>
    /// <param name="isBias">Whether initializers treat it as a bias: PyTorch's default draws it, the other schemes zero it.</param>
    /// <param name="initialValue">For state, the value <see cref="Initializer"/> sets every element to (a standard deviation's is 1); parameters are drawn instead.</param>
    /// <param name="constraint">What every value must be; weight files that break it are refused.</param>
    /// <exception cref="ArgumentException">
    /// The name is empty, the shape is empty or has a dimension that is not positive, or the initial value of a state
    /// tensor breaks its constraint.
    /// </exception>
    public TensorDescription(string name, int[] shape, TensorRole role, int fanIn, int fanOut, bool isBias, double initialValue = 0, TensorConstraint constraint = TensorConstraint.None)
    {
        Argument.NotNullOrEmpty(name, nameof(name));
        Argument.NotNull(shape, nameof(shape));
        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
                throw new ArgumentException($"The tensor '{name}' has a dimension of {dimension}; every dimension must be positive.", nameof(shape));
            length *= dimension;
        }
        if (shape.Length == 0 || length > int.MaxValue)
            throw new ArgumentException($"The tensor '{name}' has {(shape.Length == 0 ? "no dimensions" : "more elements than an array holds")}.", nameof(shape));
        if (constraint is < TensorConstraint.None or > TensorConstraint.Positive)
            throw new ArgumentOutOfRangeException(nameof(constraint), constraint, "Not a defined TensorConstraint value.");
        // Initialization must leave the layer in a state its own Load would accept.
        if (role == TensorRole.State && constraint == TensorConstraint.Positive && !(initialValue > 0))
            throw new ArgumentException($"The tensor '{name}' must be positive, but its initial value is {initialValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.", nameof(initialValue));
        Name = name;
        _shape = (int[])shape.Clone();
        Role = role;
        FanIn = fanIn;
        FanOut = fanOut;
        IsBias = isBias;
        InitialValue = initialValue;
        Constraint = constraint;
        Length = (int)length;
    }

    /// <summary>Its name in weight files: <c>weight</c>, or <c>hidden.weight</c> in a network.</summary>
    public string Name { get; }

    /// <summary>Its dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; }

    /// <summary>Parameter or state.</summary>
    public TensorRole Role { get; }

    /// <summary>The fan-in initializers scale by.</summary>
    public int FanIn { get; }

    /// <summary>The fan-out initializers scale by.</summary>
    public int FanOut { get; }

    /// <summary>Whether initializers treat it as a bias.</summary>
    public bool IsBias { get; }

    /// <summary>For state, the value initialization sets; 0 for parameters, which are drawn.</summary>
    public double InitialValue { get; }

    /// <summary>What every value must be; weight files that break it are refused.</summary>
    public TensorConstraint Constraint { get; }

    /// <summary>The shape as an array, for writers that take one.</summary>
    internal int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>As messages write it: <c>hidden.weight [5, 6]</c>.</summary>
    public override string ToString() => Name + " [" + string.Join(", ", _shape) + "]";
}
