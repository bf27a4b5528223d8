namespace DenseGen.Tests.RecurrentLayers;

// The shapes of the PyTorch fixtures in double (PyTorchFixtureTests), up to 5 streams each: the same float32 tensors
// widened exactly, held to the double bound.
[Lstm(In = 1, Hidden = 8, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureLstm1x8Double;
[Lstm(In = 1, Hidden = 8, Layers = 2, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureLstm1x8x2Double;
[Lstm(In = 3, Hidden = 40, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureLstm3x40Double;
[Lstm(In = 3, Hidden = 40, Layers = 2, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureLstm3x40x2Double;
[Lstm(In = 2, Hidden = 64, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureLstm2x64Double;
[Gru(In = 1, Hidden = 8, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureGru1x8Double;
[Gru(In = 1, Hidden = 8, Layers = 2, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureGru1x8x2Double;
[Gru(In = 3, Hidden = 40, Layers = 2, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureGru3x40x2Double;
[Gru(In = 2, Hidden = 64, MaxBatch = 5, MaxSteps = 200, ElementType = typeof(double))] public partial class FixtureGru2x64Double;
