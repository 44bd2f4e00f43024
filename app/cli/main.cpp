#include "commandline.h"

int main(int argc, char** argv)
{
    return agentrun::cli::runCommandLine(argc, argv);
}
