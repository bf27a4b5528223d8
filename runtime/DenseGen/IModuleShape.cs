namespace DenseGen;

/// <summary>The sizes of a layer or network: how many values one sample has going in and coming out.</summary>
public interface IModuleShape
{
    /// <summary>Number of inputs per sample.</summary>
    int InputSize { get; }

    /// <summary>Number of outputs per sample.</summary>
    int OutputSize { get; }
}
