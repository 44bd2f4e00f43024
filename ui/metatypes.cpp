#include "metatypes.h"

namespace agentrun::ui {

void registerMetaTypes()
{
    qRegisterMetaType<agentrun::model::RunResult>();
    qRegisterMetaType<agentrun::model::Figure>();
    qRegisterMetaType<agentrun::run::ResourceSample>();
    qRegisterMetaType<agentrun::run::Stage>();
    qRegisterMetaType<agentrun::model::Stream>();
    qRegisterMetaType<agentrun::safety::Report>();
}

} // namespace agentrun::ui
