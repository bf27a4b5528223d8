namespace DenseGen;

/// <summary>One layer of a <c>[Sequential]</c> network, as the network's weight files record it.</summary>
/// <param name="TensorName">The prefix of the layer's tensors: <c>{TensorName}.weight</c>, <c>{TensorName}.bias</c>.</param>
/// <param name="InputSize">Inputs per sample.</param>
/// <param name="OutputSize">Outputs per sample.</param>
/// <param name="Activation">The activation applied to <c>W x + b</c>.</param>
/// <param name="Trainable">Whether the layer learns; frozen layers are saved and loaded like the others.</param>
public sealed record LayerDescription(string TensorName, int InputSize, int OutputSize, Activation Activation, bool Trainable)
{
    /// <summary>The architecture as a weight file records it, e.g. <c>Dense(In = 784, Out = 128, Activation = ReLU)</c>.</summary>
    public string Architecture => Formats.SafeTensorsLayers.Architecture(InputSize, OutputSize, Activation.ToString());
}
