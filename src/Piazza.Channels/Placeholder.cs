namespace Piazza.Channels; internal static class Placeholder;
